import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { encodeTopicRouteData } from '../../../kernel/protocol/remoting/route.js';
import { field, type NamesrvContext } from './fields.js';

/**
 * 105 GET_ROUTEINFO_BY_TOPIC (§2.2): SUCCESS + TopicRouteData (standard JSON, stable order), or
 * 17 TOPIC_NOT_EXIST when no registered broker carries the topic.
 */
export function getRouteInfoByTopic(ctx: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const topic = field(request, 'topic');
    const route = ctx.routes.pickupTopicRouteData(topic);
    if (route === undefined) {
      return createResponse(request, { code: ResponseCode.TOPIC_NOT_EXIST, remark: `No topic route info in name server for the topic: ${topic}` });
    }
    return createResponse(request, { code: ResponseCode.SUCCESS, body: encodeTopicRouteData(route) });
  };
}
