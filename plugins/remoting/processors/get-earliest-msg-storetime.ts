import { CometError } from '../../../kernel/errors.js';
import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { ok } from './ok.js';

/**
 * 32 GET_EARLIEST_MSG_STORETIME (Java GetEarliestMsgStoretimeResponseHeader): extFields timestamp =
 * the store time of the message at the queue's min offset, -1 when the queue holds none (Java's
 * getEarliestMessageTime).
 */
export const getEarliestMsgStoretime: BrokerProcessor = async (ctx, request) => {
  const h = headers(request);
  const topic = h.str('topic');
  const queueId = h.int('queueId');
  let timestamp = -1;
  try {
    const r = await ctx.messaging.read({ topic, queueId, offset: ctx.messaging.minOffset(topic, queueId), max: 1 });
    if (r.status === 'found' && r.messages[0] !== undefined) timestamp = r.messages[0].storeTimestamp;
  } catch (e) {
    if (!(e instanceof CometError && (e.code === 'TOPIC_NOT_FOUND' || e.code === 'QUEUE_ID_INVALID'))) throw e;
  }
  return ok(request, { timestamp });
};
