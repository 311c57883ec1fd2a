import type { OffsetEntry } from '../../kernel/messaging/metadata.js';
import { assert } from '../../kernel/errors.js';
import type { OffsetsFile } from './schemas.js';

type QueueOffsets = Map<number, number>;

/** Consumer offsets in memory: group → topic → queueId → offset (nested maps: no key can collide). */
export class OffsetTable {
  private readonly groups = new Map<string, Map<string, QueueOffsets>>();

  /** Record an offset; negative or non-integer offsets (RocketMQ clients send -1) are ignored. Returns whether anything changed. */
  commit(group: string, topic: string, queueId: number, offset: number): boolean {
    assert(Number.isInteger(queueId) && queueId >= 0, 'queueId must be a non-negative integer');
    if (!Number.isSafeInteger(offset) || offset < 0) return false;
    let topics = this.groups.get(group);
    if (topics === undefined) this.groups.set(group, (topics = new Map()));
    let queues = topics.get(topic);
    if (queues === undefined) topics.set(topic, (queues = new Map()));
    if (queues.get(queueId) === offset) return false;
    queues.set(queueId, offset);
    return true;
  }

  query(group: string, topic: string, queueId: number): number | undefined {
    return this.groups.get(group)?.get(topic)?.get(queueId);
  }

  ofGroup(group: string): OffsetEntry[] {
    const out: OffsetEntry[] = [];
    for (const [topic, queues] of this.groups.get(group) ?? []) pushQueues(out, group, topic, queues);
    return out;
  }

  ofTopic(topic: string): OffsetEntry[] {
    const out: OffsetEntry[] = [];
    for (const [group, topics] of this.groups) {
      const queues = topics.get(topic);
      if (queues !== undefined) pushQueues(out, group, topic, queues);
    }
    return out;
  }

  /** Forget a group's offsets (of one topic, or all). Returns whether anything was removed. */
  delete(group: string, topic?: string): boolean {
    if (topic === undefined) return this.groups.delete(group);
    const topics = this.groups.get(group);
    if (topics === undefined || !topics.delete(topic)) return false;
    if (topics.size === 0) this.groups.delete(group);
    return true;
  }

  toFile(): OffsetsFile {
    return {
      version: 1,
      groups: [...this.groups].map(([group, topics]) => ({
        group,
        topics: [...topics].map(([topic, queues]) => ({ topic, queues: [...queues].sort((a, b) => a[0] - b[0]) })),
      })),
    };
  }

  static fromFile(file: OffsetsFile): OffsetTable {
    const table = new OffsetTable();
    for (const { group, topics } of file.groups) {
      for (const { topic, queues } of topics) {
        for (const [queueId, offset] of queues) table.commit(group, topic, queueId, offset);
      }
    }
    return table;
  }
}

function pushQueues(out: OffsetEntry[], group: string, topic: string, queues: QueueOffsets): void {
  for (const [queueId, offset] of [...queues].sort((a, b) => a[0] - b[0])) out.push({ group, topic, queueId, offset });
}
