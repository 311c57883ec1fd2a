import type { BrokerProcessor } from '../context.js';
import { encodeJson } from '../headers.js';
import { parseLockBody } from './lock-body.js';
import { ok } from './ok.js';

/**
 * 41 LOCK_BATCH_MQ (Java RebalanceLockManager.tryLockBatch): lock or renew every queue that is free,
 * expired or already this client's; body {lockOKMQSet:[…]} = the queues the client now holds.
 */
export const lockBatchMq: BrokerProcessor = (ctx, request) => {
  const body = parseLockBody(request);
  const granted = ctx.locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
  return ok(request, undefined, encodeJson({ lockOKMQSet: granted.map((mq) => ({ topic: mq.topic, brokerName: mq.brokerName, queueId: mq.queueId })) }));
};
