import os from 'node:os';
import path from 'node:path';
import { CometError } from '../kernel/errors.js';
import { retryTopic, validateGroupName, validateTopicName } from '../kernel/messaging/names.js';
import { parseTagExpression } from '../kernel/messaging/tags.js';
import { ClientCore, uniqueInstanceName, type ConsumerData, type CoreDeps } from './client-core.js';
import { ConcurrentConsumeService, OrderlyConsumeService, type ConsumeContext, type ConsumeService, type MessageListener } from './consume-service.js';
import { MessageStream, type AckableMessage } from './message-stream.js';
import { LocalFileOffsetStore, RemoteOffsetStore, type OffsetStore } from './offset-store.js';
import { QueueManager, type Subscription } from './rebalance.js';
import { errorText } from './remote.js';
import type { ClientOptions, ConsumeFromWhere, MessageModel, MessageQueue } from './types.js';

export interface PushConsumerOptions extends ClientOptions {
  readonly messageModel?: MessageModel;
  /** Where a group without a committed offset starts (default 'FIRST': the queue's min offset). */
  readonly consumeFromWhere?: ConsumeFromWhere;
  /** For 'TIMESTAMP' (ms; default: 30 minutes ago). */
  readonly consumeTimestamp?: number;
  readonly pullBatchSize?: number;
  /** Long-polling hold requested from the broker (default 15000). */
  readonly suspendMs?: number;
  readonly maxReconsumeTimes?: number;
  /** Broadcasting offsets directory (default ~/.cometmq/offsets). */
  readonly offsetStoreDir?: string;
  /** Concurrent handlers at once (default 16). */
  readonly consumeConcurrency?: number;
  /** Pause a queue's pulls above this many buffered messages (default 1000). */
  readonly maxBufferedPerQueue?: number;
  readonly rebalanceIntervalMs?: number;
  readonly persistOffsetIntervalMs?: number;
  readonly lockRenewIntervalMs?: number;
  /** Delay before re-consuming a failed message locally (orderly, or when send-back fails). Default 1000. */
  readonly localRetryDelayMs?: number;
  /** Longest shutdown() waits for running handlers before committing offsets (default 3000). */
  readonly shutdownTimeoutMs?: number;
}

export interface ListenerOptions {
  /** One message at a time per queue under a broker lock, strict order. */
  readonly orderly?: boolean;
}

/**
 * A push consumer (issue 3): subscribe, register one listener (or iterate `messages()`), start.
 * Clustering divides queues among the group's members; broadcasting gives every member all.
 */
export class PushConsumer implements AsyncIterable<AckableMessage> {
  readonly #core: ClientCore;
  readonly #group: string;
  readonly #model: MessageModel;
  readonly #opts: PushConsumerOptions;
  readonly #subs = new Map<string, Subscription>();
  #listener: MessageListener | undefined;
  #orderly = false;
  #manager: QueueManager | undefined;
  #consume: ConsumeService | undefined;
  #offsets: OffsetStore | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  #stream: MessageStream | undefined;

  constructor(options: PushConsumerOptions, deps?: CoreDeps) {
    this.#group = validateGroupName(options.groupName);
    this.#model = options.messageModel ?? 'CLUSTERING';
    this.#opts = options;
    const role = { consumerData: () => this.#consumerData(), onConsumerIdsChanged: () => void this.#manager?.rebalance() };
    this.#core = new ClientCore(options, role, this.#model === 'BROADCASTING' ? 'DEFAULT' : uniqueInstanceName(), deps);
  }

  get clientId(): string {
    return this.#core.clientId;
  }

  /** Subscribe a topic with `*` or `TagA || TagB` (before or after start). */
  subscribe(topic: string, expression = '*'): this {
    validateTopicName(topic);
    this.#subs.set(topic, { topic, expression, filter: parseTagExpression(expression), subVersion: Date.now() });
    if (this.#core.running) {
      void this.#core.heartbeat().then(() => this.#manager?.rebalance());
    }
    return this;
  }

  /** Register the listener (before start). Throwing = retry later. */
  onMessage(listener: MessageListener, options: ListenerOptions = {}): this {
    if (this.#listener !== undefined) throw new CometError('SDK_OPTION_INVALID', 'a consumer has exactly one listener');
    this.#listener = listener;
    this.#orderly = options.orderly === true;
    return this;
  }

  /**
   * Async-iterator form: `for await (const msg of consumer.messages())`, then `msg.ack()` or
   * `msg.nack()`. Call before start; breaking out of the loop shuts the consumer down.
   */
  messages(options: ListenerOptions = {}): AsyncIterableIterator<AckableMessage> {
    if (this.#stream === undefined) {
      this.#stream = new MessageStream(this.#opts.consumeConcurrency ?? 16, () => this.shutdown());
      this.onMessage(this.#stream.listener, options);
    }
    return this.#stream;
  }

  [Symbol.asyncIterator](): AsyncIterator<AckableMessage> {
    return this.messages();
  }

  /** Queues this member currently consumes. */
  assignedQueues(): MessageQueue[] {
    return this.#manager?.queues() ?? [];
  }

  async start(): Promise<void> {
    if (this.#listener === undefined) throw new CometError('SDK_OPTION_INVALID', 'register a listener (onMessage or messages()) before start');
    if (this.#subs.size === 0) throw new CometError('SDK_OPTION_INVALID', 'subscribe to at least one topic before start');
    if (this.#model === 'CLUSTERING') {
      const rt = retryTopic(this.#group);
      this.#subs.set(rt, { topic: rt, expression: '*', filter: parseTagExpression('*'), subVersion: Date.now() });
    }
    await this.#core.start();
    const o = this.#opts;
    this.#offsets =
      this.#model === 'CLUSTERING'
        ? new RemoteOffsetStore(this.#core, this.#group)
        : new LocalFileOffsetStore(o.offsetStoreDir ?? path.join(os.homedir(), '.cometmq', 'offsets'), this.#core.clientId, this.#group);
    await this.#offsets.load();
    const ctx: ConsumeContext = {
      core: this.#core,
      group: this.#group,
      model: this.#model,
      offsets: this.#offsets,
      listener: this.#listener,
      maxReconsumeTimes: o.maxReconsumeTimes ?? 16,
      concurrency: o.consumeConcurrency ?? 16,
      orderlyRetryDelayMs: o.localRetryDelayMs ?? 1000,
    };
    this.#consume = this.#orderly ? new OrderlyConsumeService(ctx) : new ConcurrentConsumeService(ctx);
    this.#manager = new QueueManager({
      core: this.#core,
      group: this.#group,
      model: this.#model,
      orderly: this.#orderly,
      offsets: this.#offsets,
      consume: this.#consume,
      subscriptions: this.#subs,
      consumeFromWhere: o.consumeFromWhere ?? 'FIRST',
      consumeTimestamp: o.consumeTimestamp ?? Date.now() - 30 * 60_000,
      pullBatchSize: o.pullBatchSize ?? 32,
      suspendMs: o.suspendMs ?? 15000,
      maxBufferedPerQueue: o.maxBufferedPerQueue ?? 1000,
      pullErrorDelayMs: 1000,
      settleMs: 1000,
    });
    await Promise.allSettled([...this.#subs.keys()].map((t) => this.#core.route(t)));
    await this.#core.heartbeat();
    await this.#manager.rebalance();
    this.#every(o.rebalanceIntervalMs ?? 20000, () => this.#manager!.rebalance());
    this.#every(o.persistOffsetIntervalMs ?? 5000, () => this.#offsets!.persistAll());
    this.#every(o.lockRenewIntervalMs ?? 20000, () => this.#manager!.renewLocks());
  }

  /** Rebalance now (also runs every rebalanceIntervalMs and on NOTIFY_CONSUMER_IDS_CHANGED). */
  rebalance(): Promise<void> {
    return this.#manager?.rebalance() ?? Promise.resolve();
  }

  /**
   * Stop pulling, wait for running handlers (up to shutdownTimeoutMs), persist offsets, unlock
   * (orderly), unregister from every broker, close every socket and timer.
   */
  async shutdown(): Promise<void> {
    if (!this.#core.running) return this.#core.shutdown();
    for (const t of this.#timers.splice(0)) clearInterval(t);
    this.#stream?.close();
    const manager = this.#manager!;
    await manager.stop(this.#opts.shutdownTimeoutMs ?? 3000);
    await this.#core.shutdown();
    await manager.joined();
  }

  #every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((e: unknown) => this.#core.logger.warn({ err: errorText(e) }, 'periodic consumer task failed'));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  #consumerData(): ConsumerData {
    return {
      groupName: this.#group,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.#model,
      consumeFromWhere: { FIRST: 'CONSUME_FROM_FIRST_OFFSET', LAST: 'CONSUME_FROM_LAST_OFFSET', TIMESTAMP: 'CONSUME_FROM_TIMESTAMP' }[this.#opts.consumeFromWhere ?? 'FIRST'],
      subscriptionDataSet: [...this.#subs.values()].map((s) => ({
        topic: s.topic,
        subString: s.expression,
        classFilterMode: false,
        tagsSet: [...s.filter.tags],
        codeSet: [...s.filter.codes],
        subVersion: s.subVersion,
      })),
      unitMode: false,
    };
  }
}
