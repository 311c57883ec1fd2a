import type { BrokerProcessor } from '../context.js';
import { parseLockBody } from './lock-body.js';
import { ok } from './ok.js';

/** 42 UNLOCK_BATCH_MQ (Java RebalanceLockManager.unlockBatch): release the queues this client holds; others' locks stay. */
export const unlockBatchMq: BrokerProcessor = (ctx, request) => {
  const body = parseLockBody(request);
  ctx.locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
  return ok(request);
};
