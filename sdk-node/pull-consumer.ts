import { CometError } from '../kernel/errors.js';
import { validateGroupName, validateTopicName } from '../kernel/messaging/names.js';
import { matchesMessage, parseTagExpression, type TagFilter } from '../kernel/messaging/tags.js';
import { allocateAveragely } from './allocate.js';
import { consumerIds, pullMessages, queueOffset } from './broker-api.js';
import { ClientCore, uniqueInstanceName, type ConsumerData, type CoreDeps } from './client-core.js';
import { mqKey } from './message-codec.js';
import { RemoteOffsetStore } from './offset-store.js';
import { errorText } from './remote.js';
import { readableQueues } from './route.js';
import type { ClientOptions, MessageQueue, ReceivedMessage } from './types.js';

export interface PullConsumerOptions extends ClientOptions {
  /** Most messages returned by one poll (default 32 per queue pull). */
  readonly pullBatchSize?: number;
  readonly rebalanceIntervalMs?: number;
}

interface QueueState {
  readonly mq: MessageQueue;
  /** Next offset to read (the position). */
  position: number;
  /** Bumped by seek: results of older pulls are discarded. */
  epoch: number;
  inflight: boolean;
}

/**
 * A pull consumer (issue 3): assign queues yourself or subscribe a topic (clustering rebalance as
 * for push consumers), then poll(). Offsets are committed to the broker only by commit().
 */
export class PullConsumer {
  readonly #core: ClientCore;
  readonly #group: string;
  readonly #opts: PullConsumerOptions;
  readonly #offsets: RemoteOffsetStore;
  readonly #queues = new Map<string, QueueState>();
  readonly #buffer: ReceivedMessage[] = [];
  #subscription: { topic: string; expression: string; filter: TagFilter; subVersion: number } | undefined;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #rebalancing: Promise<void> = Promise.resolve();

  constructor(options: PullConsumerOptions, deps?: CoreDeps) {
    this.#group = validateGroupName(options.groupName);
    this.#opts = options;
    const role = { consumerData: () => this.#consumerData(), onConsumerIdsChanged: () => void this.rebalance() };
    this.#core = new ClientCore(options, role, uniqueInstanceName(), deps);
    this.#offsets = new RemoteOffsetStore(this.#core, this.#group);
  }

  get clientId(): string {
    return this.#core.clientId;
  }

  async start(): Promise<void> {
    await this.#core.start();
    if (this.#subscription !== undefined) {
      await this.#core.route(this.#subscription.topic);
      await this.#core.heartbeat();
      await this.rebalance();
      this.#timer = setInterval(() => void this.rebalance(), this.#opts.rebalanceIntervalMs ?? 20000);
      this.#timer.unref();
    }
  }

  /** Consume these queues (no rebalance). Starts at the committed offset, else the queue's min. */
  async assign(queues: readonly MessageQueue[]): Promise<void> {
    this.#core.assertRunning();
    const keep = new Set(queues.map(mqKey));
    for (const key of [...this.#queues.keys()]) if (!keep.has(key)) this.#queues.delete(key);
    for (const mq of queues) {
      if (this.#queues.has(mqKey(mq))) continue;
      await this.#core.route(mq.topic);
      const position = (await this.#offsets.read(mq)) ?? (await queueOffset(this.#core, mq, 'min'));
      this.#queues.set(mqKey(mq), { mq, position, epoch: 0, inflight: false });
    }
  }

  /** Subscribe one topic (before start): queues are divided among the group's members. */
  subscribe(topic: string, expression = '*'): this {
    validateTopicName(topic);
    this.#subscription = { topic, expression, filter: parseTagExpression(expression), subVersion: Date.now() };
    return this;
  }

  assignment(): MessageQueue[] {
    return [...this.#queues.values()].map((q) => q.mq);
  }

  /** Divide the subscribed topic's queues again (also every rebalanceIntervalMs and on NOTIFY_CONSUMER_IDS_CHANGED); runs one at a time. */
  rebalance(): Promise<void> {
    this.#rebalancing = this.#rebalancing.then(() => this.#rebalanceOnce());
    return this.#rebalancing;
  }

  async #rebalanceOnce(): Promise<void> {
    const sub = this.#subscription;
    if (sub === undefined || !this.#core.running) return;
    try {
      const route = await this.#core.route(sub.topic);
      const addr = this.#core.brokerAddr([...route.brokerDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1))[0]?.brokerName ?? '');
      if (addr === undefined) return;
      const mine = allocateAveragely(readableQueues(sub.topic, route), await consumerIds(this.#core, this.#group, addr), this.#core.clientId);
      await this.assign(mine);
    } catch (e) {
      this.#core.logger.warn({ err: errorText(e) }, 'pull consumer rebalance failed');
    }
  }

  /** Messages from the assigned queues; waits up to timeoutMs (default 1000) when none are buffered. */
  async poll(options: { timeoutMs?: number } = {}): Promise<ReceivedMessage[]> {
    this.#core.assertRunning();
    if (this.#buffer.length === 0) {
      const timeoutMs = options.timeoutMs ?? 1000;
      const arrived = new Promise<void>((resolve) => (this.#wake = resolve));
      for (const q of this.#queues.values()) if (!q.inflight) void this.#pull(q, timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([arrived, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return this.#buffer.splice(0);
  }

  async #pull(q: QueueState, suspendMs: number): Promise<void> {
    q.inflight = true;
    const epoch = q.epoch;
    const sub = this.#subscription?.topic === q.mq.topic ? this.#subscription : undefined;
    try {
      const r = await pullMessages(this.#core, {
        group: this.#group,
        mq: q.mq,
        offset: q.position,
        maxMsgNums: this.#opts.pullBatchSize ?? 32,
        subscription: sub?.expression ?? '*',
        subVersion: sub?.subVersion ?? 0,
        suspendMs,
        commitOffset: -1,
        ...(sub === undefined ? {} : { accept: (m: ReceivedMessage) => matchesMessage(sub.filter, m) }),
      });
      if (q.epoch !== epoch || this.#queues.get(mqKey(q.mq)) !== q) return;
      q.position = r.nextBeginOffset;
      if (r.messages.length > 0) {
        this.#buffer.push(...r.messages);
        this.#wake?.();
      }
    } catch (e) {
      if (this.#core.running) this.#core.logger.warn({ mq: mqKey(q.mq), err: errorText(e) }, 'pull failed');
    } finally {
      q.inflight = false;
    }
  }

  /** Move a queue's position; buffered and in-flight results for it are discarded. */
  seek(mq: MessageQueue, offset: number): void {
    const q = this.#queues.get(mqKey(mq));
    if (q === undefined) throw new CometError('SDK_OPTION_INVALID', `queue ${mqKey(mq)} is not assigned`);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new CometError('OFFSET_INVALID', `offset ${offset} is invalid`);
    q.position = offset;
    q.epoch++;
    for (let i = this.#buffer.length - 1; i >= 0; i--) if (mqKey({ ...this.#buffer[i]!, topic: this.#buffer[i]!.sourceTopic }) === mqKey(mq)) this.#buffer.splice(i, 1);
  }

  /** Commit every queue's position (the offset after the last polled message) to the broker. */
  async commit(): Promise<void> {
    this.#core.assertRunning();
    for (const q of this.#queues.values()) this.#offsets.update(q.mq, q.position - this.#bufferedFor(q.mq), true);
    await this.#offsets.persistAll();
  }

  #bufferedFor(mq: MessageQueue): number {
    return this.#buffer.filter((m) => m.sourceTopic === mq.topic && m.brokerName === mq.brokerName && m.queueId === mq.queueId).length;
  }

  /** Stop the rebalance timer, unregister, close every socket. Offsets are committed only by commit(). */
  async shutdown(): Promise<void> {
    clearInterval(this.#timer);
    this.#wake?.();
    await this.#core.shutdown();
    await this.#rebalancing;
  }

  #consumerData(): ConsumerData {
    const s = this.#subscription;
    return {
      groupName: this.#group,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      subscriptionDataSet:
        s === undefined ? [] : [{ topic: s.topic, subString: s.expression, classFilterMode: false, tagsSet: [...s.filter.tags], codeSet: [...s.filter.codes], subVersion: s.subVersion }],
      unitMode: false,
    };
  }
}
