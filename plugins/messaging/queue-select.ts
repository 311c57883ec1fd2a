import type { ProduceOptions } from '../../kernel/messaging/api.js';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import { tagHashCode } from '../../kernel/messaging/tags.js';
import { checkQueueId } from './guards.js';

/** Java String.hashCode, absolute, modulo the write queue count: the same key always maps to one queue. */
export function shardingQueue(key: string, writeQueueNums: number): number {
  return Math.abs(tagHashCode(key)) % writeQueueNums;
}

/**
 * Chooses the queue of a produce: explicit queueId (checked against writeQueueNums), else the
 * sharding key's hash, else round-robin per topic over the writable queues.
 */
export class QueueSelector {
  /** Next round-robin position per topic; one entry per topic produced to, dropped on topic delete. */
  private readonly cursors = new Map<string, number>();

  choose(topic: TopicConfig, options: ProduceOptions): number {
    const queues = topic.writeQueueNums;
    if (options.queueId !== undefined) return checkQueueId(options.queueId, queues, topic.topicName);
    if (options.shardingKey !== undefined && options.shardingKey.length > 0) return shardingQueue(options.shardingKey, queues);
    const next = this.cursors.get(topic.topicName) ?? 0;
    this.cursors.set(topic.topicName, (next + 1) % queues);
    return next % queues;
  }

  forget(topic: string): void {
    this.cursors.delete(topic);
  }
}
