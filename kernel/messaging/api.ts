import type { Identity } from './auth.js';
import type { MessageInput, StoredMessage } from './message.js';
import type { AppendResult, ReadResult } from './store.js';
import type { TagFilter } from './tags.js';
import type { OffsetEntry, SubscriptionGroupConfig, TopicConfig } from './metadata.js';
import type { IndexPage } from './index-contract.js';

export interface ProduceOptions {
  /** Force a queue (ordered sends choose their queue themselves). Default: round-robin over writable queues. */
  readonly queueId?: number;
  /** Pick the queue by hashing this key (same key → same queue → FIFO). Ignored when queueId is set. */
  readonly shardingKey?: string;
  /**
   * Delay level 1..N of the configured levels (`1s 5s 10s 30s 1m … 2h`): the message is held by the
   * schedule service and delivered to its topic when the delay has passed. Also taken from the
   * RocketMQ `DELAY` property. Values above N are clamped to N; 0 = no delay.
   */
  readonly delayLevel?: number;
}

export interface ProduceRequest extends MessageInput, ProduceOptions {}

export interface ReadFromQueue {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  readonly max: number;
  readonly maxBytes?: number;
  readonly filter?: TagFilter;
}

export interface SendBackRequest {
  readonly group: string;
  readonly physicalOffset: number;
  /** 0 = automatic (3 + reconsumeTimes); < 0 = straight to the DLQ. */
  readonly delayLevel: number;
  readonly maxReconsumeTimes?: number;
  readonly originMsgId?: string;
}

export type SendBackResult =
  | { readonly status: 'retry' | 'dlq'; readonly topic: string; readonly result: AppendResult }
  | { readonly status: 'notFound' };

export type TopicChangeListener = (name: string, config: TopicConfig | undefined) => void;

export type WaitOutcome = 'arrived' | 'timeout' | 'aborted';

export interface TopicSpec {
  readonly topicName: string;
  readonly readQueueNums?: number;
  readonly writeQueueNums?: number;
  readonly perm?: number;
  readonly order?: boolean;
}

export interface QueueView {
  readonly queueId: number;
  readonly minOffset: number;
  readonly maxOffset: number;
}

export interface TopicView extends TopicConfig {
  readonly queues: readonly QueueView[];
}

export interface MessagePage {
  readonly messages: readonly StoredMessage[];
  readonly nextCursor?: string;
}

/** Topic administration shared by every door and the admin CLI. */
export interface TopicAdmin {
  create(spec: TopicSpec, identity?: Identity): Promise<TopicConfig>;
  update(spec: TopicSpec, identity?: Identity): Promise<TopicConfig>;
  /** Create or update. */
  upsert(spec: TopicSpec, identity?: Identity): Promise<TopicConfig>;
  get(name: string): TopicConfig | undefined;
  list(): readonly TopicConfig[];
  describe(name: string): TopicView | undefined;
  delete(name: string, identity?: Identity): Promise<boolean>;
  /** Whether producing to an unknown topic creates it (config `autoCreateTopics`). */
  autoCreate(): boolean;
  /** Authorised as `admin:write` on the cluster (auth is async, hence the promise). */
  setAutoCreate(enabled: boolean, identity?: Identity): Promise<void>;
  /** Called after a topic is created, updated (config) or deleted (undefined). Returns unsubscribe. */
  onChange(listener: TopicChangeListener): () => void;
}

export interface GroupAdmin {
  get(name: string): SubscriptionGroupConfig | undefined;
  list(): readonly SubscriptionGroupConfig[];
  /** Get or create with defaults (auto-create subscription groups). */
  ensure(name: string): Promise<SubscriptionGroupConfig>;
  offsets(name: string): readonly OffsetEntry[];
}

/**
 * The in-process messaging API: every door (native, HTTP, WebSocket, MQTT, STOMP) calls this and
 * nothing below it. Each call checks auth with the identity given (allow-all until the ACL plugin).
 * Errors are CometErrors with codes from kernel/errors.ts.
 */
export interface ProduceBatchOptions {
  readonly allOrNothing?: boolean;
}

export interface Messaging {
  /**
   * Expected failures (invalid topic name, AUTH_FORBIDDEN, TOPIC_NOT_FOUND with auto-create off,
   * TOPIC_NOT_WRITABLE, QUEUE_ID_INVALID, store rejections) resolve as `{status: 'rejected', error}`;
   * the promise rejects only on a bug. Same for produceBatch, per message. Without `identity` the
   * call is made as an anonymous identity.
   */
  produce(request: ProduceRequest, identity?: Identity): Promise<AppendResult>;
  /**
   * Each message gets its own result; a failure part-way reports which were stored. With
   * `allOrNothing` a message that fails the checks stores none of the batch (RocketMQ's batch
   * semantics): every result is then rejected, the others with BATCH_REJECTED naming the culprit.
   */
  produceBatch(topic: string, requests: readonly ProduceRequest[], identity?: Identity, options?: ProduceBatchOptions): Promise<AppendResult[]>;
  read(request: ReadFromQueue, identity?: Identity): Promise<ReadResult>;
  /**
   * Resolve when the queue has a message at or beyond `offset` ('arrived'), when `timeoutMs` passes
   * ('timeout') or when `signal` aborts ('aborted'). Woken on append, not by polling.
   */
  waitForMessages(topic: string, queueId: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;
  /**
   * The same for several queues of one topic at once (one waiter, one timer): 'arrived' as soon as
   * any queue q has a message at or beyond `offsets[q]`. Queues past the end of `offsets` are not
   * waited on. Also 'arrived' when the topic is created, changed or deleted (its queues may differ:
   * read again). For consumers that read every queue of a topic (broadcasting, MQTT, SSE).
   */
  waitForTopic(topic: string, offsets: readonly number[], timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome>;

  /**
   * Authorised as `consume` on the group and the topic (auth is async, hence the promise). A negative
   * offset is ignored (RocketMQ clients send -1); a non-integer rejects with OFFSET_INVALID.
   */
  commitOffset(group: string, topic: string, queueId: number, offset: number, identity?: Identity): Promise<void>;
  /** Committed offset, or undefined for a group that never committed on this queue. */
  queryOffset(group: string, topic: string, queueId: number): number | undefined;
  /** Where a new group starts: the committed offset, else the queue's min offset. */
  startOffset(group: string, topic: string, queueId: number): number;
  minOffset(topic: string, queueId: number): number;
  maxOffset(topic: string, queueId: number): number;
  offsetByTime(topic: string, queueId: number, timestamp: number): Promise<number>;

  /** By offset msgId (store host + physical offset) or client msgId (UNIQ_KEY). */
  viewMessage(msgId: string, identity?: Identity): Promise<StoredMessage | undefined>;
  queryByKey(topic: string, key: string, page: IndexPage, identity?: Identity): Promise<MessagePage>;

  /**
   * Consumer send-back (RocketMQ CONSUMER_SEND_MSG_BACK, HTTP nack): re-store the message found at
   * `physicalOffset` for redelivery to `group`. With reconsumeTimes (after +1) beyond the group's
   * retryMaxTimes (or `maxReconsumeTimes` when given), or delayLevel < 0, it goes to `%DLQ%<group>`;
   * otherwise to `%RETRY%<group>` with delay level `delayLevel` or, when 0, 3 + reconsumeTimes.
   * Sets RETRY_TOPIC, ORIGIN_MESSAGE_ID; RECONSUMETIMES + 1. Creates the retry/DLQ topics (1 queue, perm 6).
   */
  sendBack(request: SendBackRequest, identity?: Identity): Promise<SendBackResult>;

  /**
   * The configured delay levels in milliseconds, level 1 first (plugins.messaging.delayLevels). Doors
   * that accept an absolute delivery time (HTTP `deliverAt`) map it to a level with this.
   */
  delayLevelsMs?(): readonly number[];

  readonly topics: TopicAdmin;
  readonly groups: GroupAdmin;
}
