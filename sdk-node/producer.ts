import { CometError, isCometError } from '../kernel/errors.js';
import { validateGroupName } from '../kernel/messaging/names.js';
import { tagHashCode } from '../kernel/messaging/tags.js';
import { RequestCode, ResponseCode } from '../kernel/protocol/remoting/codes.js';
import type { RemotingCommand } from '../kernel/protocol/remoting/command.js';
import { ClientCore, isTransportError, uniqueInstanceName, type CoreDeps } from './client-core.js';
import { BATCH_ITEM_OVERHEAD, encodeBatchBody, encodeMessage, type EncodedMessage, isDelayed, MAX_BODY_BYTES, writeBatchItem } from './message-codec.js';
import { brokerError, errorText, responseCodeOf } from './remote.js';
import { writableQueues } from './route.js';
import type { ClientOptions, Message, MessageQueue, SendResult, SendStatus } from './types.js';

export interface ProducerOptions extends ClientOptions {
  /** Per-send deadline covering every retry (default 3000). */
  readonly sendTimeoutMs?: number;
  /** Extra attempts on ANOTHER broker after a failure (default 2). */
  readonly retryTimesWhenSendFailed?: number;
  /**
   * Coalesce `send`/`sendAsync` calls made in the same event-loop turn into SEND_BATCH_MESSAGE
   * requests (RocketMQ 5's autoBatch, with no added delay: the batch leaves when the current turn
   * ends). Default true; see README "Automatic batching".
   */
  readonly autoBatch?: boolean;
  /** Largest automatic batch in bytes (default 32 KiB, RocketMQ's batchMaxBytes). */
  readonly autoBatchMaxBytes?: number;
}

/** Ordered send: pick the queue yourself, or by a sharding key (Java String.hashCode % queue count). */
export type QueueSelector<A = unknown> = (queues: readonly MessageQueue[], msg: Message, arg: A) => MessageQueue;
export type SendOptions<A = unknown> = { readonly selector: QueueSelector<A>; readonly arg: A } | { readonly shardingKey: string };
export type SendCallback = (err: Error | undefined, result?: SendResult) => void;

/** Response codes that count as stored (§1.6 / §4.4). */
const STATUS: Readonly<Record<number, SendStatus>> = {
  [ResponseCode.SUCCESS]: 'SEND_OK',
  [ResponseCode.FLUSH_DISK_TIMEOUT]: 'FLUSH_DISK_TIMEOUT',
  [ResponseCode.FLUSH_SLAVE_TIMEOUT]: 'FLUSH_SLAVE_TIMEOUT',
  [ResponseCode.SLAVE_NOT_AVAILABLE]: 'SLAVE_NOT_AVAILABLE',
};
/** Broker codes worth retrying elsewhere (§4.4: 17, 14, 1, 16, 204, 205; plus 2 busy). */
const RETRYABLE = new Set([17, 14, 1, 2, 16, 204, 205]);

const NO_BROKERS: ReadonlySet<string> = new Set();

/** A send waiting for the end of the event-loop turn to leave in an automatic batch. */
interface Queued {
  readonly encoded: EncodedMessage;
  /** Its size inside a MessageBatch body. */
  readonly size: number;
  readonly resolve: (r: SendResult) => void;
  readonly reject: (e: unknown) => void;
}

const DEFAULT_AUTO_BATCH_BYTES = 32 * 1024;
/** A MessageBatch item stores its properties length in a signed short. */
const MAX_BATCH_PROPERTY_BYTES = 32767;

/** One queued send's SendResult, cut from its batch's result. */
function resultAt(batch: SendResult, i: number): SendResult {
  const msgId = batch.msgIds[i] ?? '';
  return { status: batch.status, msgId, msgIds: [msgId], messageQueue: batch.messageQueue, queueOffset: batch.queueOffset + i };
}

/** The SendResult of a SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE response; a non-stored code throws the broker's error. */
function sendResult(mq: MessageQueue, resp: RemotingCommand): SendResult {
  const status = STATUS[resp.code];
  if (status === undefined) throw brokerError(resp, `send to ${mq.topic}@${mq.brokerName}`);
  const msgId = resp.extFields.msgId ?? '';
  const msgIds = msgId.indexOf(',') < 0 ? (msgId.length > 0 ? [msgId] : []) : msgId.split(',').filter((s) => s.length > 0);
  const queueId = Number(resp.extFields.queueId ?? mq.queueId);
  return {
    status,
    msgId: msgIds[0] ?? '',
    msgIds,
    messageQueue: { topic: mq.topic, brokerName: mq.brokerName, queueId },
    queueOffset: Number(resp.extFields.queueOffset ?? -1),
  };
}

/** Java's SelectMessageQueueByHash: |hashCode(key)| % queue count. */
export function shardingQueue(queues: readonly MessageQueue[], key: string): MessageQueue {
  if (queues.length === 0) throw new CometError('SDK_ROUTE_NOT_FOUND', 'no writable queue');
  return queues[Math.abs(tagHashCode(key) % queues.length)]!;
}

/**
 * A producer (issue 3): round-robin over writable queues from a random start; a failed send is
 * retried up to retryTimesWhenSendFailed times on another broker within sendTimeoutMs.
 */
export class Producer {
  readonly #core: ClientCore;
  readonly #group: string;
  readonly #sendTimeoutMs: number;
  readonly #retries: number;
  readonly #autoBatch: boolean;
  readonly #autoBatchMaxBytes: number;
  #next = Math.floor(Math.random() * 1024);
  /** Sends of this turn per topic, and whether the flush is scheduled. */
  #queued = new Map<string, Queued[]>();
  #flushTimer: NodeJS.Immediate | undefined;
  /** Batches (and their fallbacks) still in flight, awaited by shutdown. */
  readonly #inflight = new Set<Promise<void>>();

  constructor(options: ProducerOptions, deps?: CoreDeps) {
    this.#group = validateGroupName(options.groupName);
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 3000;
    this.#retries = Math.max(0, options.retryTimesWhenSendFailed ?? 2);
    this.#autoBatch = options.autoBatch ?? true;
    this.#autoBatchMaxBytes = options.autoBatchMaxBytes ?? DEFAULT_AUTO_BATCH_BYTES;
    if (!Number.isInteger(this.#autoBatchMaxBytes) || this.#autoBatchMaxBytes < 1 || this.#autoBatchMaxBytes > MAX_BODY_BYTES) {
      throw new CometError('SDK_OPTION_INVALID', `autoBatchMaxBytes must be an integer from 1 to ${MAX_BODY_BYTES}`);
    }
    this.#core = new ClientCore(options, { producerGroup: this.#group }, uniqueInstanceName(), deps);
  }

  get clientId(): string {
    return this.#core.clientId;
  }

  async start(): Promise<void> {
    await this.#core.start();
  }

  /** Sends already accepted (queued for a batch or in flight in one) complete before the connections close. */
  async shutdown(): Promise<void> {
    this.#flush();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    await this.#core.shutdown();
  }

  /** Send and await the stored result (SEND_MESSAGE_V2, §2.4). */
  send<A>(msg: Message, options?: SendOptions<A>): Promise<SendResult> {
    let encoded: EncodedMessage;
    try {
      this.#core.assertRunning();
      encoded = encodeMessage(msg);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (options !== undefined) return this.#sendSelected(msg, encoded, options);
    if (this.#autoBatch && encoded.sysFlag === 0 && !isDelayed(msg)) {
      const propertyBytes = Buffer.byteLength(encoded.properties, 'utf8');
      const size = BATCH_ITEM_OVERHEAD + encoded.body.length + propertyBytes;
      // Too large for a batch item (or for the broker): alone, so any error is this message's own.
      if (size <= this.#autoBatchMaxBytes && propertyBytes <= MAX_BATCH_PROPERTY_BYTES) return this.#enqueue(encoded, size);
    }
    return this.#sendWithRetry(encoded);
  }

  #enqueue(encoded: EncodedMessage, size: number): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      let list = this.#queued.get(encoded.topic);
      if (list === undefined) this.#queued.set(encoded.topic, (list = []));
      list.push({ encoded, size, resolve, reject });
      this.#flushTimer ??= setImmediate(() => this.#flush());
    });
  }

  /** Send what this turn queued: runs of up to autoBatchMaxBytes per topic, one request each. */
  #flush(): void {
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#queued.size === 0) return;
    const queued = this.#queued;
    this.#queued = new Map();
    for (const [topic, list] of queued) {
      let start = 0;
      let bytes = 0;
      for (let i = 0; i < list.length; i++) {
        if (i > start && bytes + list[i]!.size > this.#autoBatchMaxBytes) {
          this.#dispatch(topic, list.slice(start, i), bytes);
          start = i;
          bytes = 0;
        }
        bytes += list[i]!.size;
      }
      this.#dispatch(topic, start === 0 ? list : list.slice(start), bytes);
    }
  }

  #dispatch(topic: string, run: readonly Queued[], bytes: number): void {
    if (run.length === 1) {
      const q = run[0]!;
      this.#track(this.#sendWithRetry(q.encoded).then(q.resolve, q.reject));
    } else this.#track(this.#sendRun(topic, run, bytes));
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  /**
   * One SEND_BATCH_MESSAGE for a run (with the usual retries on another broker). The broker stores a
   * batch all or nothing, so when it refuses one (a verdict on the content, not a broker failure)
   * each message is sent alone and gets its own answer.
   */
  async #sendRun(topic: string, run: readonly Queued[], bytes: number): Promise<void> {
    const body = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const q of run) at = writeBatchItem(body, at, q.encoded);
    let batch: SendResult;
    try {
      batch = await this.#withRetry(topic, (mq, addr, timeout) =>
        this.#core.remoting.invoke(addr, { code: RequestCode.SEND_BATCH_MESSAGE, extFields: { ...this.#header(mq, { topic, body, sysFlag: 0, properties: '', flag: 0 }), m: 'true' }, body }, timeout),
      );
    } catch (e) {
      if (responseCodeOf(e) === undefined) {
        for (const q of run) q.reject(e);
        return;
      }
      await Promise.all(run.map((q) => this.#sendWithRetry(q.encoded).then(q.resolve, q.reject)));
      return;
    }
    run.forEach((q, i) => q.resolve(resultAt(batch, i)));
  }

  /** A send to the queue chosen by a selector or sharding key: one attempt, no retry. */
  async #sendSelected<A>(msg: Message, encoded: EncodedMessage, options: SendOptions<A>): Promise<SendResult> {
    const queues = await this.#queues(encoded.topic);
    const mq = 'shardingKey' in options ? shardingQueue(queues, options.shardingKey) : options.selector(queues, msg, options.arg);
    return this.#sendTo(mq, (addr, timeout) => this.#invokeSend(addr, mq, encoded, timeout), this.#sendTimeoutMs);
  }

  /**
   * #withRetry specialised for one SEND_MESSAGE_V2 (the hot path): same attempts, deadline, broker
   * avoidance and error handling, without a closure chain; the cached route and master address are
   * used synchronously when present.
   */
  async #sendWithRetry(encoded: EncodedMessage): Promise<SendResult> {
    const topic = encoded.topic;
    const deadline = Date.now() + this.#sendTimeoutMs;
    let failed: Set<string> | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const mq = this.#pick(this.#cachedQueues(topic) ?? (await this.#queues(topic)), failed ?? NO_BROKERS);
      try {
        const addr = this.#core.masterAddr(mq.brokerName) ?? (await this.#core.findMaster(mq.brokerName, mq.topic));
        return sendResult(mq, await this.#invokeSend(addr, mq, encoded, remaining));
      } catch (e) {
        lastError = e;
        const code = responseCodeOf(e);
        if (code !== undefined && !RETRYABLE.has(code)) throw e;
        if (code === undefined && !isTransportError(e) && !isCometError(e, 'SDK_ROUTE_NOT_FOUND')) throw e;
        (failed ??= new Set()).add(mq.brokerName);
        this.#core.logger.warn({ broker: mq.brokerName, attempt, err: errorText(e) }, 'send failed; retrying on another broker');
        this.#core.route(topic, true).catch(() => undefined);
      }
    }
    throw new CometError('SDK_SEND_FAILED', `send to ${topic} failed after ${failed?.size ?? 0} broker(s): ${errorText(lastError)}`, { cause: lastError });
  }

  /** The writable queues of a cached route (what #queues returns without a name-server round trip). */
  #cachedQueues(topic: string): MessageQueue[] | undefined {
    const route = this.#core.cachedRoute(topic);
    if (route === undefined) return undefined;
    const queues = writableQueues(topic, route);
    if (queues.length === 0) return undefined;
    this.#core.watch(topic);
    return queues;
  }

  /** Callback form of send; the callback gets (err) or (undefined, result). */
  sendAsync<A>(msg: Message, callback: SendCallback, options?: SendOptions<A>): void {
    this.send(msg, options).then(
      (r) => callback(undefined, r),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  }

  /** Fire and forget: one-way request, no result and no retry. */
  async sendOneway(msg: Message): Promise<void> {
    this.#core.assertRunning();
    const encoded = encodeMessage(msg);
    const mq = this.#pick(await this.#queues(encoded.topic), new Set());
    const addr = await this.#core.findMaster(mq.brokerName, mq.topic);
    await this.#core.remoting.invokeOneway(addr, { code: RequestCode.SEND_MESSAGE_V2, extFields: this.#header(mq, encoded), body: encoded.body });
  }

  /** All messages (same topic) into one queue with one SEND_BATCH_MESSAGE (320). */
  async sendBatch(messages: readonly Message[]): Promise<SendResult> {
    this.#core.assertRunning();
    const { topic, body } = encodeBatchBody(messages);
    const header = (mq: MessageQueue): Record<string, string | number | boolean> => ({
      ...this.#header(mq, { topic, body, sysFlag: 0, properties: '', flag: 0 }),
      m: true,
    });
    return this.#withRetry(topic, (mq, addr, timeout) =>
      this.#core.remoting.invoke(addr, { code: RequestCode.SEND_BATCH_MESSAGE, extFields: header(mq), body }, timeout),
    );
  }

  async #queues(topic: string): Promise<MessageQueue[]> {
    const queues = writableQueues(topic, await this.#core.route(topic));
    if (queues.length === 0) throw new CometError('SDK_ROUTE_NOT_FOUND', `topic ${topic} has no writable queue on a broker with a master`);
    return queues;
  }

  /** Next queue round robin, avoiding `avoid` brokers when another broker has a queue. */
  #pick(queues: readonly MessageQueue[], avoid: ReadonlySet<string>): MessageQueue {
    for (let i = 0; i < queues.length; i++) {
      const mq = queues[this.#next++ % queues.length]!;
      if (!avoid.has(mq.brokerName)) return mq;
    }
    return queues[this.#next++ % queues.length]!;
  }

  async #withRetry(topic: string, invoke: (mq: MessageQueue, addr: string, timeoutMs: number) => Promise<RemotingCommand>): Promise<SendResult> {
    const deadline = Date.now() + this.#sendTimeoutMs;
    const failed = new Set<string>();
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const mq = this.#pick(await this.#queues(topic), failed);
      try {
        return await this.#sendTo(mq, (addr, timeout) => invoke(mq, addr, timeout), remaining);
      } catch (e) {
        lastError = e;
        const code = responseCodeOf(e);
        if (code !== undefined && !RETRYABLE.has(code)) throw e;
        if (code === undefined && !isTransportError(e) && !isCometError(e, 'SDK_ROUTE_NOT_FOUND')) throw e;
        failed.add(mq.brokerName);
        this.#core.logger.warn({ broker: mq.brokerName, attempt, err: errorText(e) }, 'send failed; retrying on another broker');
        this.#core.route(topic, true).catch(() => undefined);
      }
    }
    throw new CometError('SDK_SEND_FAILED', `send to ${topic} failed after ${failed.size} broker(s): ${errorText(lastError)}`, { cause: lastError });
  }

  async #sendTo(mq: MessageQueue, invoke: (addr: string, timeoutMs: number) => Promise<RemotingCommand>, timeoutMs: number): Promise<SendResult> {
    const addr = await this.#core.findMaster(mq.brokerName, mq.topic);
    const resp = await invoke(addr, timeoutMs);
    return sendResult(mq, resp);
  }

  #invokeSend(addr: string, mq: MessageQueue, encoded: EncodedMessage, timeoutMs: number): Promise<RemotingCommand> {
    return this.#core.remoting.invoke(addr, { code: RequestCode.SEND_MESSAGE_V2, extFields: this.#header(mq, encoded), body: encoded.body }, timeoutMs);
  }

  /** SendMessageRequestHeaderV2 (§2.4): one-letter field names. */
  #header(mq: MessageQueue, m: EncodedMessage): Record<string, string> {
    // Already strings, so toExtFields copies them without conversion.
    return { a: this.#group, b: mq.topic, c: 'TBW102', d: '4', e: String(mq.queueId), f: String(m.sysFlag), g: String(Date.now()), h: String(m.flag), i: m.properties, j: '0', k: 'false' };
  }
}
