import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { ok } from './ok.js';

/**
 * 29 SEARCH_OFFSET_BY_TIMESTAMP, rocketmq-protocol.md §2.9 (the accepted simpler rule): the first
 * message whose store time is ≥ timestamp, clamped to [min, max].
 */
export const searchOffsetByTimestamp: BrokerProcessor = async (ctx, request) => {
  const h = headers(request);
  const topic = h.str('topic');
  const queueId = h.int('queueId');
  const found = await ctx.messaging.offsetByTime(topic, queueId, h.int('timestamp'));
  const min = ctx.messaging.minOffset(topic, queueId);
  const max = ctx.messaging.maxOffset(topic, queueId);
  return ok(request, { offset: Math.min(Math.max(found, min), max) });
};
