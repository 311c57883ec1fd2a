import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { ok } from './ok.js';

/**
 * 15 UPDATE_CONSUMER_OFFSET, rocketmq-protocol.md §2.7: store commitOffset; negatives (ali-ons sends
 * -1 for "no progress") are ignored by messaging. Answered even without the one-way bit (§1.4).
 */
export const updateConsumerOffset: BrokerProcessor = async (ctx, request) => {
  const h = headers(request);
  await ctx.messaging.commitOffset(h.str('consumerGroup'), h.str('topic'), h.int('queueId'), h.int('commitOffset'));
  return ok(request);
};
