import { compareQueues } from './message-codec.js';
import type { MessageQueue } from './types.js';

/**
 * AllocateMessageQueueAveragely (§4.5): queues sorted by (topic, brokerName, queueId), client ids
 * sorted as strings; with Q queues and C clients the first Q mod C clients get one extra queue and
 * the slices are contiguous. A client not in the list gets nothing.
 */
export function allocateAveragely<Q extends MessageQueue>(queues: readonly Q[], clientIds: readonly string[], self: string): Q[] {
  const mqs = [...queues].sort(compareQueues);
  const cids = [...new Set(clientIds)].sort();
  const index = cids.indexOf(self);
  if (index < 0 || mqs.length === 0) return [];
  const mod = mqs.length % cids.length;
  const size = mqs.length <= cids.length ? 1 : mod > 0 && index < mod ? Math.floor(mqs.length / cids.length) + 1 : Math.floor(mqs.length / cids.length);
  const start = mod > 0 && index < mod ? index * size : index * size + mod;
  const range = Math.min(size, mqs.length - start);
  const out: Q[] = [];
  for (let i = 0; i < range; i++) out.push(mqs[(start + i) % mqs.length]!);
  return out;
}
