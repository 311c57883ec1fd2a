import type { MessageQueue, ReceivedMessage } from './types.js';

/**
 * Messages pulled for one queue and not yet consumed, in offset order. The consume offset is the
 * lowest unconsumed offset (or one past the highest seen when all are done).
 */
export class ProcessQueue {
  readonly #msgs = new Map<number, ReceivedMessage>();
  #highest = -1;
  /** No longer pulled or consumed (rebalanced away or shutting down). */
  dropped = false;
  /** Offset ownership given up (after a drop has settled): later commits are ignored. */
  released = false;
  /** Orderly: broker lock held (LOCK_BATCH_MQ) and when it was last confirmed. */
  locked = false;
  lockedAt = 0;
  /** Next offset to pull. */
  nextOffset = 0;
  readonly abort = new AbortController();
  #inflight = 0;
  #idleWaiters: (() => void)[] = [];
  /** The pull loop waiting for the buffer to shrink to `limit` (flow control). */
  #room: { readonly limit: number; readonly wake: () => void } | undefined;

  constructor(readonly mq: MessageQueue) {}

  get size(): number {
    return this.#msgs.size;
  }

  put(messages: readonly ReceivedMessage[]): void {
    for (const m of messages) {
      if (m.queueOffset <= this.#highest) continue;
      this.#msgs.set(m.queueOffset, m);
      this.#highest = m.queueOffset;
    }
  }

  /** Oldest buffered message (orderly consumption takes them one by one). */
  first(): ReceivedMessage | undefined {
    for (const m of this.#msgs.values()) return m;
    return undefined;
  }

  /** Remove consumed messages; returns the new consume offset (−1 when nothing was ever buffered). */
  remove(offsets: readonly number[]): number {
    for (const o of offsets) this.#msgs.delete(o);
    if (this.#room !== undefined && this.#msgs.size <= this.#room.limit) this.#room.wake();
    return this.consumeOffset();
  }

  /**
   * Resolves once at most `limit` messages are buffered (or `signal` aborts): the pull loop resumes
   * the moment consumption makes room, instead of polling on a timer.
   */
  waitForRoom(limit: number, signal: AbortSignal): Promise<void> {
    if (this.#msgs.size <= limit || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', wake);
        if (this.#room?.wake === wake) this.#room = undefined;
        resolve();
      };
      this.#room?.wake();
      this.#room = { limit, wake };
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  consumeOffset(): number {
    for (const o of this.#msgs.keys()) return o;
    return this.#highest < 0 ? -1 : this.#highest + 1;
  }

  drop(): void {
    this.dropped = true;
    this.abort.abort();
  }

  /** A handler started / ended on a message of this queue (settle() waits for them). */
  enter(): void {
    this.#inflight++;
  }

  leave(): void {
    this.#inflight--;
    if (this.#inflight === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  get inflight(): number {
    return this.#inflight;
  }

  /** Resolves when no handler runs on this queue, or after `deadlineMs`. */
  settle(deadlineMs: number): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, deadlineMs);
      this.#idleWaiters.push(done);
    });
  }
}
