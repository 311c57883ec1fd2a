import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { ok } from './ok.js';

/** 31 GET_MIN_OFFSET, rocketmq-protocol.md §2.8: the oldest logical offset still stored. */
export const getMinOffset: BrokerProcessor = (ctx, request) => {
  const h = headers(request);
  return ok(request, { offset: ctx.messaging.minOffset(h.str('topic'), h.int('queueId')) });
};
