import { isReadable, isWritable, MASTER_ID, type TopicRouteData } from '../kernel/protocol/remoting/route.js';
import type { MessageQueue } from './types.js';

/** Queue lists derived from a TopicRouteData (shared/rocketmq-protocol.md §2.2). */

const byBroker = (a: { brokerName: string }, b: { brokerName: string }): number => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0);

/** Per route object (a refresh replaces it): the producer's queue list, computed once, not per send. */
const writableCache = new WeakMap<TopicRouteData, { readonly topic: string; readonly queues: MessageQueue[] }>();

/** Producer queues: WRITE perm on brokers that have a master (§2.2), sorted by broker then queue id. Frozen, cached per route. */
export function writableQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const cached = writableCache.get(route);
  if (cached !== undefined && cached.topic === topic) return cached.queues;
  const queues = Object.freeze(computeWritable(topic, route)) as MessageQueue[];
  writableCache.set(route, { topic, queues });
  return queues;
}

function computeWritable(topic: string, route: TopicRouteData): MessageQueue[] {
  const masters = new Set(route.brokerDatas.filter((b) => b.brokerAddrs[String(MASTER_ID)] !== undefined).map((b) => b.brokerName));
  return [...route.queueDatas]
    .filter((q) => isWritable(q.perm) && masters.has(q.brokerName))
    .sort(byBroker)
    .flatMap((q) => Array.from({ length: q.writeQueueNums }, (_, queueId) => ({ topic, brokerName: q.brokerName, queueId })));
}

/** Consumer queues: READ perm, sorted by broker then queue id. */
export function readableQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  return [...route.queueDatas]
    .filter((q) => isReadable(q.perm))
    .sort(byBroker)
    .flatMap((q) => Array.from({ length: q.readQueueNums }, (_, queueId) => ({ topic, brokerName: q.brokerName, queueId })));
}
