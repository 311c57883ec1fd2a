import { CometError } from '../../../kernel/errors.js';
import type { Delivery, DeliverySource } from './subscription.js';
import type { TopicCursor } from '../../../kernel/messaging/topic-cursor.js';

/** Longest single read long poll (abortable; the loop polls again at once). */
export const BROADCAST_WAIT_MS = 20_000;

const HANDLE_RE = /^\d+:\d+$/;

/**
 * Broadcasting mode (docs/websocket.md §4): the subscription reads every queue itself through a
 * TopicCursor; nothing is shared or persisted, nothing is redelivered. Handles are
 * `<queueId>:<queueOffset>`; ack and nack only return credits.
 */
export class BroadcastSource implements DeliverySource {
  readonly #cursor: TopicCursor;

  constructor(cursor: TopicCursor) {
    this.#cursor = cursor;
  }

  async fetch(max: number, signal: AbortSignal): Promise<Delivery[]> {
    const messages = await this.#cursor.next(max, BROADCAST_WAIT_MS, signal);
    return messages.map((message) => ({
      handle: `${message.queueId}:${message.queueOffset}`,
      message,
      topic: this.#cursor.topic,
      deliveryAttempt: 1,
      expiresAt: undefined,
    }));
  }

  /** A handle not held (already settled) is fine; a malformed one is an error. */
  async ack(handle: string): Promise<void> {
    if (!HANDLE_RE.test(handle)) throw new CometError('RECEIPT_HANDLE_INVALID', `${JSON.stringify(handle)} is not a handle of a broadcasting subscription`);
  }

  async nack(handle: string): Promise<void> {
    await this.ack(handle);
  }

  async release(): Promise<void> {}
}
