import { closedError, type CometError } from './errors.js';
import type { WebMessage } from './message.js';
import type { SubscribeFrom } from './types.js';

/** SubscribeOptions with the defaults applied. */
export interface ResolvedSubscribeOptions {
  readonly topic: string;
  readonly group: string | undefined;
  readonly tags: string;
  readonly mode: 'clustering' | 'broadcasting';
  readonly credits: number;
  readonly ackTimeoutMs: number | undefined;
  readonly from: SubscribeFrom | undefined;
}

/** What a Subscription asks of its client. */
export interface SubscriptionHost {
  /** The subscription ended (close, or a failure): forget it, unsubscribe on the broker. */
  release(sub: Subscription): void;
}

type Waiter = { resolve(result: IteratorResult<WebMessage>): void; reject(error: CometError): void };

export type SubscriptionState = 'subscribing' | 'active' | 'closed' | 'failed';

/**
 * A subscription: an async iterable of pushed messages (`for await (const m of sub)`), with explicit
 * ack. The buffer holds at most what the broker pushed within the granted credits; breaking out of
 * the loop closes the subscription (as nats.js). It survives reconnects: the client subscribes again
 * on the new connection and the broker redelivers what was not acked.
 */
export class Subscription implements AsyncIterable<WebMessage> {
  readonly options: ResolvedSubscribeOptions;
  /** Resolves when the broker first confirmed the subscription; rejects if it refused it. */
  readonly ready: Promise<void>;
  /** Resolves when the subscription ended: undefined after close(), the error after a failure. */
  readonly closed: Promise<CometError | undefined>;
  readonly #host: SubscriptionHost;
  readonly #buffer: WebMessage[] = [];
  readonly #waiters: Waiter[] = [];
  #state: SubscriptionState = 'subscribing';
  #error: CometError | undefined;
  #resolveReady!: () => void;
  #rejectReady!: (error: CometError) => void;
  #resolveClosed!: (error: CometError | undefined) => void;

  /** Broadcasting: the next offset per queue after the last message the loop took. */
  readonly #positions = new Map<number, number>();

  constructor(options: ResolvedSubscribeOptions, host: SubscriptionHost) {
    this.options = options;
    this.#host = host;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => undefined); // observed through iteration or `closed` as well
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  get topic(): string {
    return this.options.topic;
  }

  get group(): string | undefined {
    return this.options.group;
  }

  /** Messages received and not yet taken by the loop. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Stop: the loop ends after nothing more (buffered, untaken messages are redelivered to others). */
  close(): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#end('closed', undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<WebMessage> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  // ── used by the client ──

  /** The broker confirmed (again, after a reconnect). */
  confirmed(): void {
    if (this.#state !== 'subscribing') return;
    this.#state = 'active';
    this.#resolveReady();
  }

  /** The connection dropped: untaken messages will be redelivered, so drop them; subscribe again. */
  disconnected(): void {
    this.#buffer.length = 0;
    if (this.#state === 'active') this.#state = 'subscribing';
  }

  push(message: WebMessage): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve({ done: false, value: this.#take(message) });
    else this.#buffer.push(message);
  }

  /**
   * Where a broadcasting subscription starts again after a reconnect: right after what the loop
   * took (over the user's `from` for queues not seen yet); the user's `from` before anything came.
   */
  resumeFrom(): SubscribeFrom | undefined {
    if (this.options.mode !== 'broadcasting' || this.#positions.size === 0) return this.options.from;
    const from: Record<string, number> = typeof this.options.from === 'object' ? { ...this.options.from } : {};
    for (const [queueId, offset] of this.#positions) from[String(queueId)] = offset;
    return from;
  }

  fail(error: CometError): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#end('failed', error);
  }

  #next(): Promise<IteratorResult<WebMessage>> {
    const message = this.#buffer.shift();
    if (message !== undefined) return Promise.resolve({ done: false, value: this.#take(message) });
    if (this.#state === 'failed') return Promise.reject(this.#error ?? closedError('subscription'));
    if (this.#state === 'closed') return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #take(message: WebMessage): WebMessage {
    if (this.options.mode === 'broadcasting') {
      this.#positions.set(message.queueId, Math.max(this.#positions.get(message.queueId) ?? 0, message.queueOffset + 1));
    }
    return message;
  }

  #end(state: 'closed' | 'failed', error: CometError | undefined): void {
    this.#state = state;
    this.#error = error;
    this.#buffer.length = 0;
    for (const waiter of this.#waiters.splice(0)) {
      if (error === undefined) waiter.resolve({ done: true, value: undefined });
      else waiter.reject(error);
    }
    this.#rejectReady(error ?? closedError('subscription'));
    this.#resolveClosed(error);
    this.#host.release(this);
  }
}
