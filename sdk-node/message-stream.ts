import type { MessageListener } from './consume-service.js';
import type { ReceivedMessage } from './types.js';

/** A consumed message with explicit settlement (async-iterator form). */
export interface AckableMessage extends ReceivedMessage {
  /** Consumed: the offset may advance past it. */
  ack(): void;
  /** Failed: retried later (send-back in clustering). */
  nack(): void;
}

/**
 * The async iterable behind PushConsumer.messages(): the consumer's listener parks each message
 * until the loop acks or nacks it, so the buffer holds at most the consumer's concurrency.
 * Leaving the loop (return) shuts the consumer down.
 */
export class MessageStream implements AsyncIterableIterator<AckableMessage> {
  readonly #buffer: AckableMessage[] = [];
  readonly #pending = new Set<(outcome: 'ack' | 'nack' | 'abandon') => void>();
  #waiter: ((r: IteratorResult<AckableMessage>) => void) | undefined;
  #closed = false;

  constructor(
    readonly capacity: number,
    private readonly onReturn: () => Promise<void>,
  ) {}

  readonly listener: MessageListener = (msg) =>
    new Promise<void>((resolve, reject) => {
      if (this.#closed) return reject(new Error('message stream closed'));
      let settled = false;
      const settle = (outcome: 'ack' | 'nack' | 'abandon'): void => {
        if (settled) return;
        settled = true;
        this.#pending.delete(settle);
        if (outcome === 'ack') resolve();
        else reject(new Error(outcome === 'nack' ? 'nack' : 'message stream closed'));
      };
      this.#pending.add(settle);
      const item: AckableMessage = { ...msg, ack: () => settle('ack'), nack: () => settle('nack') };
      const w = this.#waiter;
      if (w !== undefined) {
        this.#waiter = undefined;
        w({ value: item, done: false });
      } else this.#buffer.push(item);
    });

  next(): Promise<IteratorResult<AckableMessage>> {
    const item = this.#buffer.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  async return(): Promise<IteratorResult<AckableMessage>> {
    await this.onReturn();
    this.close();
    return { value: undefined, done: true };
  }

  /** End the iteration; unsettled messages are abandoned (not acked: redelivered later). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const settle of [...this.#pending]) settle('abandon');
    this.#buffer.length = 0;
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AckableMessage> {
    return this;
  }
}
