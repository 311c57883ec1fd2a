import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { encodeTopicList } from '../../../kernel/protocol/remoting/route.js';
import type { NamesrvContext } from './fields.js';

/** 206 GET_ALL_TOPIC_LIST_FROM_NAMESERVER: SUCCESS + `{"topicList":[...]}` (sorted; never SCHEDULE_TOPIC_XXXX). */
export function getAllTopicList(ctx: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, { code: ResponseCode.SUCCESS, body: encodeTopicList({ topicList: ctx.routes.topicList() }) });
}
