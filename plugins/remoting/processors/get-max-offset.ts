import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { ok } from './ok.js';

/** 30 GET_MAX_OFFSET, rocketmq-protocol.md §2.8: the next logical offset to be written. 5.x extras are ignored. */
export const getMaxOffset: BrokerProcessor = (ctx, request) => {
  const h = headers(request);
  return ok(request, { offset: ctx.messaging.maxOffset(h.str('topic'), h.int('queueId')) });
};
