import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { BrokerProcessor } from '../context.js';
import { encodeJson, headers } from '../headers.js';
import { fail } from '../send.js';
import { ok } from './ok.js';

/** 38 GET_CONSUMER_LIST_BY_GROUP, rocketmq-protocol.md §2.12: body {"consumerIdList":[…]}; none → 1 like Java. */
export const getConsumerListByGroup: BrokerProcessor = (ctx, request) => {
  const group = headers(request).str('consumerGroup');
  const ids = ctx.clients.consumerIds(group);
  if (ids.length === 0) return fail(request, ResponseCode.SYSTEM_ERROR, `no consumer for this group, ${group}`);
  return ok(request, undefined, encodeJson({ consumerIdList: ids }));
};
