import { base64Decode, utf8Decode, utf8Encode } from './codec.js';
import type { WireMessageFrame } from './types.js';

/** How a message settles: the subscription sends (or queues) the ack/nack frame. */
export interface Settler {
  settle(handle: string, action: { readonly op: 'ack' } | { readonly op: 'nack'; readonly delayLevel?: number }): void;
}

/** A message pushed to a subscription. Ack or nack it once; what is neither is redelivered. */
export class WebMessage {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly msgId: string;
  readonly tag: string | undefined;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  /** 1 for the first delivery, higher for redeliveries (unacked in time, or a reconnect). */
  readonly deliveryAttempt: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
  /** The broker's receipt handle (valid on any connection; ack() sends it for you). */
  readonly handle: string;
  readonly body: Uint8Array;
  readonly #settler: Settler;
  #settled = false;

  /** Throws when a base64 body does not decode. */
  constructor(frame: WireMessageFrame, settler: Settler) {
    this.topic = frame.topic;
    this.queueId = frame.queueId;
    this.queueOffset = frame.queueOffset;
    this.msgId = frame.msgId;
    this.tag = frame.tag ?? undefined;
    this.keys = frame.keys ?? [];
    this.properties = frame.properties ?? {};
    this.deliveryAttempt = frame.deliveryAttempt;
    this.bornTimestamp = frame.bornTimestamp;
    this.storeTimestamp = frame.storeTimestamp;
    this.handle = frame.handle;
    this.body = frame.encoding === 'base64' ? base64Decode(frame.body) : utf8Encode(frame.body);
    this.#settler = settler;
  }

  /** Whether ack() or nack() was called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The body as UTF-8 text. */
  text(): string {
    return utf8Decode(this.body);
  }

  /** The body parsed as JSON (throws SyntaxError when it is not JSON). */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** Done with it: the broker will not redeliver it, and the subscription gets its credit back. */
  ack(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settler.settle(this.handle, { op: 'ack' });
  }

  /**
   * Give it back for a retry: it goes to the group's retry topic (delay `delayLevel`, or the
   * group's policy when absent) and to the dead-letter queue after the group's max retries.
   */
  nack(delayLevel?: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settler.settle(this.handle, delayLevel === undefined ? { op: 'nack' } : { op: 'nack', delayLevel });
  }
}
