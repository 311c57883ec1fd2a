/** Permission bits (RocketMQ PermName): 4 read, 2 write, 1 inherit. */
export const PERM_READ = 4;
export const PERM_WRITE = 2;
export const PERM_INHERIT = 1;

export interface TopicConfig {
  readonly topicName: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  readonly perm: number;
  /** Strictly ordered topic (RocketMQ `order`). */
  readonly order: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SubscriptionGroupConfig {
  readonly groupName: string;
  readonly consumeEnable: boolean;
  readonly consumeBroadcastEnable: boolean;
  readonly retryQueueNums: number;
  readonly retryMaxTimes: number;
  readonly createdAt: number;
}

export interface OffsetEntry {
  readonly group: string;
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
}

/**
 * Small broker state that is not derived from the log: topics, subscription groups and consumer
 * offsets. Topic and group changes are durable when the promise resolves; offsets are persisted
 * every persistIntervalMs (5 s) and on close.
 */
export interface MetadataStore {
  getTopic(name: string): TopicConfig | undefined;
  listTopics(): readonly TopicConfig[];
  putTopic(config: TopicConfig): Promise<void>;
  deleteTopic(name: string): Promise<boolean>;

  getGroup(name: string): SubscriptionGroupConfig | undefined;
  listGroups(): readonly SubscriptionGroupConfig[];
  putGroup(config: SubscriptionGroupConfig): Promise<void>;
  deleteGroup(name: string): Promise<boolean>;

  commitOffset(group: string, topic: string, queueId: number, offset: number): void;
  queryOffset(group: string, topic: string, queueId: number): number | undefined;
  offsetsOfGroup(group: string): readonly OffsetEntry[];
  offsetsOfTopic(topic: string): readonly OffsetEntry[];
  deleteOffsets(group: string, topic?: string): void;
  /** Persist offsets now (also runs on a timer and at stop). */
  flushOffsets(): Promise<void>;
}
