import { CometError } from '../kernel/errors.js';
import { PROPERTY } from '../kernel/messaging/message.js';
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

/** Delay level of an automatic retry: 3 + reconsumeTimes (§2.10.1 step 6). */
const AUTO_RETRY_BASE_LEVEL = 3;

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
}

/** Shared by both services: run the listener (counted per queue so a drop can settle) and commit. */
abstract class BaseService implements ConsumeService {
  constructor(protected readonly ctx: ConsumeContext) {}

  abstract submit(pq: ProcessQueue, messages: readonly ReceivedMessage[]): void;

  protected async run(pq: ProcessQueue, msg: ReceivedMessage): Promise<boolean> {
    pq.enter();
    try {
      await this.ctx.listener(msg);
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, topic: msg.topic, err: errorText(e) }, 'listener failed');
      return false;
    } finally {
      pq.leave();
    }
  }

  /** Consumed: advance the queue's offset (also while a dropped queue settles, never after it was released). */
  protected commit(pq: ProcessQueue, offsets: readonly number[]): void {
    const next = pq.remove(offsets);
    if (!pq.released && next >= 0) this.ctx.offsets.update(pq.mq, next);
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
        if (await this.run(pq, msg)) break;
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
      // §2.10.3 / ali-ons: RECONSUME_TIME = old + 1, MAX_RECONSUME_TIMES = max + 1 (so the copy's own retries still count).
      await sendToRetryTopic(this.ctx, msg, { reconsumeTimes: msg.reconsumeTimes + 1, maxReconsumeTimes: this.ctx.maxReconsumeTimes + 1 });
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, err: errorText(e) }, 'retry send failed; re-consuming locally');
      return false;
    }
  }
}

export interface RetryCopy {
  /** RECONSUME_TIME → header j: the copy's reconsume count. */
  readonly reconsumeTimes: number;
  /** MAX_RECONSUME_TIMES → header l: the broker sends the copy to %DLQ%<group> when j ≥ l (§2.4). */
  readonly maxReconsumeTimes: number;
}

/**
 * Send a copy of `msg` to %RETRY%<group> ourselves (SEND_MESSAGE_V2, §2.10.3; Java
 * DefaultMQPushConsumerImpl.sendMessageBack fallback and ConsumeMessageOrderlyService.sendMessageBack):
 * properties of the original plus RETRY_TOPIC (original topic) and ORIGIN_MESSAGE_ID; the copy's
 * RECONSUME_TIME and MAX_RECONSUME_TIMES travel as header fields j and l (as the Java and ali-ons
 * producers move them), and DELAY = 3 + reconsumeTimes (Java). The broker redirects it to the DLQ
 * when j ≥ l. Returns the topic the broker reports storing into.
 */
export async function sendToRetryTopic(ctx: ConsumeContext, msg: ReceivedMessage, copy: RetryCopy): Promise<void> {
  const topic = retryTopic(ctx.group);
  const queues = writableQueues(topic, await ctx.core.route(topic));
  const mq = queues[Math.floor(Math.random() * queues.length)];
  if (mq === undefined) throw new CometError('SDK_ROUTE_NOT_FOUND', `no writable queue for ${topic}`);
  const addr = await ctx.core.findMaster(mq.brokerName, topic);
  const props: Record<string, string> = {
    ...msg.properties,
    [PROPERTY.RETRY_TOPIC]: msg.topic,
    [PROPERTY.ORIGIN_MESSAGE_ID]: msg.properties[PROPERTY.ORIGIN_MESSAGE_ID] ?? msg.msgId,
    [PROPERTY.DELAY]: String(AUTO_RETRY_BASE_LEVEL + msg.reconsumeTimes),
  };
  delete props.RECONSUME_TIME;
  delete props.MAX_RECONSUME_TIMES;
  const extFields = {
    a: ctx.group, b: topic, c: 'TBW102', d: 4, e: mq.queueId, f: 0, g: msg.bornTimestamp, h: msg.flag,
    i: encodeProperties(props), j: copy.reconsumeTimes, k: false, l: copy.maxReconsumeTimes,
  };
  const resp = await ctx.core.remoting.invoke(addr, { code: RequestCode.SEND_MESSAGE_V2, extFields, body: msg.body });
  expectCode(resp, [ResponseCode.SUCCESS, ResponseCode.FLUSH_DISK_TIMEOUT, ResponseCode.FLUSH_SLAVE_TIMEOUT, ResponseCode.SLAVE_NOT_AVAILABLE], 'retry send');
}

/**
 * Orderly listener (Java ConsumeMessageOrderlyService): per queue one message at a time in offset
 * order, only while the broker lock is held. A failure is SUSPEND_CURRENT_QUEUE_A_MOMENT: the queue
 * waits orderlyRetryDelayMs and the same message is re-consumed locally with reconsumeTimes + 1,
 * keeping order. Once a failed attempt had reconsumeTimes ≥ maxReconsumeTimes, the message is sent
 * back to the DLQ (Java: a copy to %RETRY%<group> with RECONSUME_TIME = MAX_RECONSUME_TIMES, which the
 * broker redirects to %DLQ%<group>; fallback CONSUMER_SEND_MSG_BACK with delay level −1) and the
 * queue moves on. If both fail the queue keeps suspending (never skips a message silently).
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
      const shown = attempts === 0 ? msg : { ...msg, reconsumeTimes: msg.reconsumeTimes + attempts };
      const ok = await this.run(pq, shown);
      if (!ok) {
        if (pq.dropped) return;
        if (shown.reconsumeTimes < this.ctx.maxReconsumeTimes || !(await this.#toDlq(shown))) {
          attempts++;
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
      await sendToRetryTopic(this.ctx, msg, { reconsumeTimes: msg.reconsumeTimes, maxReconsumeTimes: this.ctx.maxReconsumeTimes });
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, err: errorText(e) }, 'orderly dead-letter send failed; trying CONSUMER_SEND_MSG_BACK');
    }
    try {
      await sendBack(this.ctx.core, this.ctx.group, msg, -1, this.ctx.maxReconsumeTimes);
      return true;
    } catch (e) {
      this.ctx.core.logger.warn({ msgId: msg.msgId, err: errorText(e) }, 'dead-letter send back failed; suspending the queue');
      return false;
    }
  }
}
