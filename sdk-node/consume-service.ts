import { retryTopic } from '../kernel/messaging/names.js';
import { RequestCode, ResponseCode } from '../kernel/protocol/remoting/codes.js';
import { encodeProperties } from '../kernel/messaging/record.js';
import { sendBack } from './broker-api.js';
import type { ClientCore } from './client-core.js';
import type { OffsetStore } from './offset-store.js';
import type { ProcessQueue } from './process-queue.js';
import { errorText, expectCode, pause } from './remote.js';
import { writableQueues } from './route.js';
import type { MessageModel, ReceivedMessage } from './types.js';

/** A message handler: resolve = consumed; throw/reject = retry later. */
export type MessageListener = (msg: ReceivedMessage) => Promise<void> | void;

export interface ConsumeContext {
  readonly core: ClientCore;
  readonly group: string;
  readonly model: MessageModel;
  readonly offsets: OffsetStore;
  readonly listener: MessageListener;
  readonly maxReconsumeTimes: number;
  /** Concurrent: handlers running at once over all queues. */
  readonly concurrency: number;
  /** Orderly: wait before re-consuming a failed message. */
  readonly orderlyRetryDelayMs: number;
}

export interface ConsumeService {
  submit(pq: ProcessQueue, messages: readonly ReceivedMessage[]): void;
  /** Resolves when no handler runs (bounded by `deadlineMs` from now). */
  idle(deadlineMs: number): Promise<void>;
}

/** Shared by both services: count in-flight handlers so shutdown can wait for them. */
abstract class BaseService implements ConsumeService {
  protected inflight = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(protected readonly ctx: ConsumeContext) {}

  abstract submit(pq: ProcessQueue, messages: readonly ReceivedMessage[]): void;

  protected async run(msg: ReceivedMessage): Promise<boolean> {
    this.inflight++;
    try {
      await this.ctx.listener(msg);
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, topic: msg.topic, err: errorText(e) }, 'listener failed');
      return false;
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  protected commit(pq: ProcessQueue, offsets: readonly number[]): void {
    const next = pq.remove(offsets);
    if (!pq.dropped && next >= 0) this.ctx.offsets.update(pq.mq, next);
  }

  idle(deadlineMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, deadlineMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * Concurrent listener: up to `concurrency` handlers at once; a failure is sent back for retry
 * (CONSUMER_SEND_MSG_BACK, delay level 0, §2.10), falling back to a send to %RETRY%<group>, and
 * re-consumed locally if both fail. Broadcasting drops failures (as Java does).
 */
export class ConcurrentConsumeService extends BaseService {
  readonly #waiting: (() => void)[] = [];
  #running = 0;

  submit(pq: ProcessQueue, messages: readonly ReceivedMessage[]): void {
    for (const msg of messages) void this.#one(pq, msg);
  }

  async #slot(): Promise<void> {
    while (this.#running >= this.ctx.concurrency) await new Promise<void>((r) => this.#waiting.push(r));
    this.#running++;
  }

  #release(): void {
    this.#running--;
    this.#waiting.shift()?.();
  }

  async #one(pq: ProcessQueue, msg: ReceivedMessage): Promise<void> {
    await this.#slot();
    try {
      for (;;) {
        if (pq.dropped) return;
        if (await this.run(msg)) break;
        if (pq.dropped) return;
        if (this.ctx.model === 'BROADCASTING' || (await this.#retryLater(msg))) break;
        await pause(this.ctx.orderlyRetryDelayMs, pq.abort.signal);
      }
      this.commit(pq, [msg.queueOffset]);
    } finally {
      this.#release();
    }
  }

  /** Send back; else send a copy to the retry topic ourselves (§2.10.3). false = keep it locally. */
  async #retryLater(msg: ReceivedMessage): Promise<boolean> {
    try {
      await sendBack(this.ctx.core, this.ctx.group, msg, 0, this.ctx.maxReconsumeTimes);
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, err: errorText(e) }, 'send back failed; sending to the retry topic');
    }
    try {
      await sendToRetryTopic(this.ctx, msg);
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, err: errorText(e) }, 'retry send failed; re-consuming locally');
      return false;
    }
  }
}

/** Client-side fallback retry (ali-ons / Java): SEND_MESSAGE_V2 to %RETRY%<group> with RETRY_TOPIC etc. */
export async function sendToRetryTopic(ctx: ConsumeContext, msg: ReceivedMessage): Promise<void> {
  const topic = retryTopic(ctx.group);
  const mq = writableQueues(topic, await ctx.core.route(topic))[0];
  if (mq === undefined) throw new Error(`no writable queue for ${topic}`);
  const addr = await ctx.core.findMaster(mq.brokerName, topic);
  const props = { ...msg.properties, RETRY_TOPIC: msg.topic, ORIGIN_MESSAGE_ID: msg.properties.ORIGIN_MESSAGE_ID ?? msg.msgId, DELAY: String(3 + msg.reconsumeTimes) };
  const extFields = {
    a: ctx.group, b: topic, c: 'TBW102', d: 1, e: mq.queueId, f: 0, g: msg.bornTimestamp, h: msg.flag,
    i: encodeProperties(props), j: msg.reconsumeTimes + 1, k: false, l: ctx.maxReconsumeTimes,
  };
  const resp = await ctx.core.remoting.invoke(addr, { code: RequestCode.SEND_MESSAGE_V2, extFields, body: msg.body });
  expectCode(resp, [ResponseCode.SUCCESS, ResponseCode.FLUSH_DISK_TIMEOUT, ResponseCode.FLUSH_SLAVE_TIMEOUT, ResponseCode.SLAVE_NOT_AVAILABLE], 'retry send');
}

/**
 * Orderly listener: per queue one message at a time in offset order, only while the broker lock
 * is held. A failure is re-consumed locally after orderlyRetryDelayMs, keeping order; after
 * maxReconsumeTimes attempts it goes to the DLQ (send back with delay level −1) and order moves on.
 */
export class OrderlyConsumeService extends BaseService {
  readonly #draining = new Set<ProcessQueue>();

  submit(pq: ProcessQueue): void {
    if (this.#draining.has(pq)) return;
    this.#draining.add(pq);
    void this.#drain(pq).finally(() => this.#draining.delete(pq));
  }

  async #drain(pq: ProcessQueue): Promise<void> {
    let attempts = 0;
    for (;;) {
      if (pq.dropped || !pq.locked) return;
      const msg = pq.first();
      if (msg === undefined) return;
      const ok = await this.run(attempts === 0 ? msg : { ...msg, reconsumeTimes: msg.reconsumeTimes + attempts });
      if (pq.dropped) return;
      if (!ok) {
        attempts++;
        if (attempts <= this.ctx.maxReconsumeTimes || !(await this.#toDlq(msg))) {
          await pause(this.ctx.orderlyRetryDelayMs, pq.abort.signal);
          continue;
        }
      }
      attempts = 0;
      this.commit(pq, [msg.queueOffset]);
    }
  }

  async #toDlq(msg: ReceivedMessage): Promise<boolean> {
    if (this.ctx.model === 'BROADCASTING') return true;
    try {
      await sendBack(this.ctx.core, this.ctx.group, msg, -1, this.ctx.maxReconsumeTimes);
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, err: errorText(e) }, 'dead-letter send back failed');
      return false;
    }
  }
}
