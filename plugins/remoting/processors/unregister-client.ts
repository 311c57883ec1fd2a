import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { ok } from './ok.js';

/** 35 UNREGISTER_CLIENT, rocketmq-protocol.md §2.11: drop clientID from producerGroup and/or consumerGroup at once. */
export const unregisterClient: BrokerProcessor = (ctx, request) => {
  const h = headers(request);
  ctx.clients.unregister(h.str('clientID'), h.optStr('producerGroup'), h.optStr('consumerGroup'));
  return ok(request);
};
