import type { MetadataStore, OffsetEntry, SubscriptionGroupConfig, TopicConfig } from '../../kernel/messaging/metadata.js';

/**
 * An in-memory MetadataStore for tests only. Writes resolve at once; offsets follow the contract
 * (negative commits ignored). `calls` counts persisted writes so tests can see what was stored.
 */
export class MemoryMetadata implements MetadataStore {
  private readonly topics = new Map<string, TopicConfig>();
  private readonly groups = new Map<string, SubscriptionGroupConfig>();
  /** group → topic → queueId → offset (nested: no key can collide). */
  private readonly offsets = new Map<string, Map<string, Map<number, number>>>();
  readonly calls = { putTopic: 0, deleteTopic: 0, putGroup: 0, deleteGroup: 0, flushOffsets: 0 };

  getTopic(name: string): TopicConfig | undefined {
    return this.topics.get(name);
  }

  listTopics(): readonly TopicConfig[] {
    return [...this.topics.values()];
  }

  async putTopic(config: TopicConfig): Promise<void> {
    this.calls.putTopic++;
    this.topics.set(config.topicName, { ...config });
  }

  async deleteTopic(name: string): Promise<boolean> {
    this.calls.deleteTopic++;
    return this.topics.delete(name);
  }

  getGroup(name: string): SubscriptionGroupConfig | undefined {
    return this.groups.get(name);
  }

  listGroups(): readonly SubscriptionGroupConfig[] {
    return [...this.groups.values()];
  }

  async putGroup(config: SubscriptionGroupConfig): Promise<void> {
    this.calls.putGroup++;
    this.groups.set(config.groupName, { ...config });
  }

  async deleteGroup(name: string): Promise<boolean> {
    this.calls.deleteGroup++;
    return this.groups.delete(name);
  }

  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    if (offset < 0) return;
    let byTopic = this.offsets.get(group);
    if (byTopic === undefined) this.offsets.set(group, (byTopic = new Map()));
    let byQueue = byTopic.get(topic);
    if (byQueue === undefined) byTopic.set(topic, (byQueue = new Map()));
    byQueue.set(queueId, offset);
  }

  queryOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.offsets.get(group)?.get(topic)?.get(queueId);
  }

  offsetsOfGroup(group: string): readonly OffsetEntry[] {
    return this.entries().filter((e) => e.group === group);
  }

  offsetsOfTopic(topic: string): readonly OffsetEntry[] {
    return this.entries().filter((e) => e.topic === topic);
  }

  deleteOffsets(group: string, topic?: string): void {
    if (topic === undefined) this.offsets.delete(group);
    else this.offsets.get(group)?.delete(topic);
  }

  async flushOffsets(): Promise<void> {
    this.calls.flushOffsets++;
  }

  private entries(): OffsetEntry[] {
    const out: OffsetEntry[] = [];
    for (const [group, byTopic] of this.offsets) {
      for (const [topic, byQueue] of byTopic) {
        for (const [queueId, offset] of byQueue) out.push({ group, topic, queueId, offset });
      }
    }
    return out;
  }
}
