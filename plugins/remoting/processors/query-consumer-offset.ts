import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { fail } from '../send.js';
import { ok } from './ok.js';

/**
 * 14 QUERY_CONSUMER_OFFSET, rocketmq-protocol.md §2.6 with the quiet rule: a committed offset → it;
 * else a queue whose min offset is 0 (empty or never truncated) → "0" (a new group starts at the
 * head); else 22 QUERY_NOT_FOUND (the client then applies consumeFromWhere).
 */
export const queryConsumerOffset: BrokerProcessor = (ctx, request) => {
  const h = headers(request);
  const group = h.str('consumerGroup');
  const topic = h.str('topic');
  const queueId = h.int('queueId');
  const committed = ctx.messaging.queryOffset(group, topic, queueId);
  if (committed !== undefined && committed >= 0) return ok(request, { offset: committed });
  if (ctx.messaging.minOffset(topic, queueId) <= 0) return ok(request, { offset: 0 });
  return fail(request, ResponseCode.QUERY_NOT_FOUND, 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first');
};
