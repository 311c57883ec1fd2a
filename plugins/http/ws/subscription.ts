import type { Logger } from 'pino';
import { ERRORS, isCometError } from '../../../kernel/errors.js';
import type { StoredMessage } from '../../../kernel/messaging/message.js';
import type { Clock, TimerHandle } from '../../../kernel/services.js';
import { errorBody } from './frames.js';
import type { ServerFrame } from './protocol.js';
import { abortableDelay } from '../../../kernel/messaging/waits.js';

/** Most messages one long poll asks for (the pop service's bound is 256). */
const MAX_FETCH = 64;
/** Pause after a transient polling error (HTTP 503/429-class code) before polling again. */
const RETRY_AFTER_ERROR_MS = 1000;

/** One message handed to a subscription, with what it takes to settle it. */
export interface Delivery {
  readonly handle: string;
  readonly message: StoredMessage;
  /** The subscribed topic (also for a `%RETRY%<group>` copy). */
  readonly topic: string;
  readonly deliveryAttempt: number;
  /** Epoch ms (Clock.now) when the handle goes stale and the message is redelivered; undefined = never. */
  readonly expiresAt: number | undefined;
}

/** Where a subscription's messages come from: the pop service (clustering) or a TopicCursor (broadcasting). */
export interface DeliverySource {
  /** Long poll for up to `max` deliveries; [] on timeout or abort. CometError on failure. */
  fetch(max: number, signal: AbortSignal): Promise<Delivery[]>;
  /** `held`: the handle was delivered to this subscription and not yet settled or expired. */
  ack(handle: string, held: boolean): Promise<void>;
  nack(handle: string, held: boolean, delayLevel: number | undefined): Promise<void>;
  /** Make still-held handles visible again at once (disconnect / unsubscribe). Never rejects. */
  release(handles: readonly string[]): Promise<void>;
}

export interface SubscriptionHost {
  /** Send a frame; false when the connection can no longer send. */
  send(frame: ServerFrame): boolean;
  /** Send the `message` frame of one delivery (the host encodes it: frames.ts messageFrameBytes); false as for send. */
  sendMessage(subscription: string, delivery: Delivery): boolean;
  /** The server ends the subscription (non-transient polling error): the host drops it and tells the client. */
  ended(subscription: Subscription, error: unknown): void;
}

export interface SubscriptionOptions {
  readonly id: string;
  /** What admin shows of it (GET /v1/groups/{group} members). */
  readonly info?: { readonly group: string | undefined; readonly topic: string; readonly mode: string; readonly since: number };
  readonly credits: number;
  readonly maxCredits: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * A credit window over a DeliverySource (docs/websocket.md §4): each delivery consumes a credit;
 * ack/nack of a held handle, or its expiry (ack timeout), returns it; `grant` adds more, the total
 * (unused + held) capped at maxCredits. The poll loop runs only while credits are available.
 */
export class Subscription {
  readonly id: string;
  readonly info: SubscriptionOptions['info'];
  readonly #source: DeliverySource;
  readonly #host: SubscriptionHost;
  readonly #options: SubscriptionOptions;
  /** Credits not yet used. */
  #credits: number;
  /** Handle → expiresAt, in delivery order (so expiry times are non-decreasing). */
  readonly #held = new Map<string, number | undefined>();
  #closed = false;
  #poll: AbortController | undefined;
  #wake: (() => void) | undefined;
  #expiryTimer: TimerHandle | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(options: SubscriptionOptions, source: DeliverySource, host: SubscriptionHost) {
    this.id = options.id;
    this.info = options.info;
    this.#options = options;
    this.#source = source;
    this.#host = host;
    this.#credits = Math.min(options.credits, options.maxCredits);
  }

  /** Unused credits and held (unacked) messages, for tests and logs. */
  get window(): { readonly credits: number; readonly held: number } {
    return { credits: this.#credits, held: this.#held.size };
  }

  start(): void {
    this.#loop = this.#run().catch((e: unknown) => this.#options.logger.error({ err: e, subscription: this.id }, 'subscription loop failed'));
  }

  grant(credits: number): void {
    this.#credits = Math.max(this.#credits, Math.min(this.#credits + credits, this.#options.maxCredits - this.#held.size));
    this.#wakeUp();
  }

  async ack(handle: string): Promise<void> {
    const held = this.#settle(handle);
    await this.#source.ack(handle, held);
  }

  async nack(handle: string, delayLevel: number | undefined): Promise<void> {
    const held = this.#settle(handle);
    await this.#source.nack(handle, held, delayLevel);
  }

  /** Stop polling and release every held handle; resolves when both are done. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#loop;
    this.#closed = true;
    this.#poll?.abort();
    this.#wakeUp();
    this.#expiryTimer?.cancel();
    this.#expiryTimer = undefined;
    const handles = [...this.#held.keys()];
    this.#held.clear();
    await Promise.all([this.#source.release(handles), this.#loop]);
  }

  #settle(handle: string): boolean {
    const held = this.#held.delete(handle);
    if (held && !this.#closed) {
      this.#credits += 1;
      this.#wakeUp();
    }
    return held;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      if (this.#credits < this.#refillAt()) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      const batch = await this.#fetch();
      if (batch === undefined) return;
      if (this.#closed) {
        await this.#source.release(batch.map((d) => d.handle));
        return;
      }
      for (const d of batch) this.#deliver(d);
    }
  }

  /**
   * Credits needed before the next poll: 1 when nothing is held; otherwise a quarter of the window
   * (credits + held, at most MAX_FETCH), so acks arriving one by one refill in batches instead of
   * one pop per ack. Never more than the client granted.
   */
  #refillAt(): number {
    if (this.#held.size === 0) return 1;
    return Math.max(1, Math.min(MAX_FETCH, Math.floor((this.#credits + this.#held.size) / 4)));
  }

  /** One long poll; undefined when the subscription ended. */
  async #fetch(): Promise<Delivery[] | undefined> {
    const poll = new AbortController();
    this.#poll = poll;
    try {
      return await this.#source.fetch(Math.min(this.#credits, MAX_FETCH), poll.signal);
    } catch (e) {
      if (this.#closed) return undefined;
      return (await this.#onFetchError(e)) ? [] : undefined;
    } finally {
      this.#poll = undefined;
    }
  }

  /** Transient (503/429-class) errors: tell the client, wait, go on. Others end the subscription. */
  async #onFetchError(e: unknown): Promise<boolean> {
    const transient = isCometError(e) && [429, 503].includes(ERRORS[e.code].httpStatus);
    if (!transient) {
      if (!isCometError(e)) this.#options.logger.error({ err: e, subscription: this.id }, 'subscription poll failed');
      this.#host.ended(this, e);
      return false;
    }
    this.#host.send({ op: 'error', subscription: this.id, error: errorBody(e) });
    const pause = new AbortController();
    this.#poll = pause;
    await abortableDelay(this.#options.clock, RETRY_AFTER_ERROR_MS, pause.signal);
    return !this.#closed;
  }

  #deliver(d: Delivery): void {
    this.#credits -= 1;
    this.#held.set(d.handle, d.expiresAt);
    if (d.expiresAt !== undefined) this.#armExpiry();
    this.#host.sendMessage(this.id, d);
  }

  /** One timer for the earliest expiry; at expiry the handle is stale and its credit comes back. */
  #armExpiry(): void {
    if (this.#expiryTimer !== undefined || this.#closed) return;
    const first = this.#held.values().next();
    if (first.done === true || first.value === undefined) return;
    const delay = Math.max(0, first.value - this.#options.clock.now()) + 1;
    this.#expiryTimer = this.#options.clock.setTimeout(() => {
      this.#expiryTimer = undefined;
      this.#sweep();
    }, delay);
    this.#expiryTimer.unref();
  }

  #sweep(): void {
    const now = this.#options.clock.now();
    let expired = 0;
    for (const [handle, expiresAt] of this.#held) {
      if (expiresAt === undefined || expiresAt > now) break;
      this.#held.delete(handle);
      expired += 1;
    }
    if (expired > 0) {
      this.#credits += expired;
      this.#wakeUp();
    }
    this.#armExpiry();
  }
}
