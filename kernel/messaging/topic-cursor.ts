import type { Messaging } from './api.js';
import type { StoredMessage } from './message.js';
import type { TagFilter } from './tags.js';
import type { Clock } from '../services.js';
import { abortableDelay } from './waits.js';

/** Reads of one queue in a row that only skip (tag-filtered, moved offsets) before moving on. */
const MAX_SKIPS_PER_QUEUE = 8;

/** Where a cursor starts: every queue's current max / min offset, or explicit offsets per queue. */
export type CursorStart =
  | 'latest'
  | 'earliest'
  | { readonly offsets: ReadonlyMap<number, number>; readonly unlisted: 'latest' | 'beginning' };

/**
 * Reads every queue of a topic from its own offsets, with no shared state (broadcasting
 * subscriptions and SSE streams). Queues are those of the topic config (`readQueueNums`), looked
 * up on every round, so queues added later (or a topic created later) are read from offset 0.
 */
export interface TopicCursorDeps {
  readonly messaging: Messaging;
  readonly clock: Clock;
}

export class TopicCursor {
  readonly #messaging: Messaging;
  readonly #clock: Clock;
  readonly #topic: string;
  readonly #filter: TagFilter;
  readonly #offsets = new Map<number, number>();
  #next = 0;

  constructor(deps: TopicCursorDeps, topic: string, filter: TagFilter, start: CursorStart) {
    this.#messaging = deps.messaging;
    this.#clock = deps.clock;
    this.#topic = topic;
    this.#filter = filter;
    for (let q = 0; q < this.#queueCount(); q++) this.#offsets.set(q, this.#startOffset(q, start));
  }

  get topic(): string {
    return this.#topic;
  }

  /** Next offset of every queue read or known so far (index = queue id). */
  positions(): number[] {
    const n = Math.max(this.#queueCount(), this.#offsets.size);
    return Array.from({ length: n }, (_, q) => this.#offsets.get(q) ?? 0);
  }

  /** Next offset of one queue. */
  position(queueId: number): number {
    return this.#offsets.get(queueId) ?? 0;
  }

  /** Move one queue's next offset (a consumer skipping ahead or resuming elsewhere). */
  seek(queueId: number, offset: number): void {
    this.#offsets.set(queueId, offset);
  }

  /**
   * Up to `max` messages from the queues, round-robin. When there are none, waits (long poll) up
   * to `waitMs` for an arrival, a topic change or `signal`, then reads once more; may return [].
   */
  async next(max: number, waitMs: number, signal: AbortSignal): Promise<StoredMessage[]> {
    const first = await this.#readRound(max);
    if (first.length > 0 || signal.aborted) return first;
    if (!(await this.#waitAny(waitMs, signal))) return [];
    // Woken by an arrival: let the rest of this event-loop turn's arrivals join it (one read and one
    // delivery batch for them all, not one per message at the tail of a busy topic).
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal.aborted) return [];
    return this.#readRound(max);
  }

  #queueCount(): number {
    return this.#messaging.topics.get(this.#topic)?.readQueueNums ?? 0;
  }

  #startOffset(queueId: number, start: CursorStart): number {
    if (start === 'latest') return this.#messaging.maxOffset(this.#topic, queueId);
    if (start === 'earliest') return this.#messaging.minOffset(this.#topic, queueId);
    const listed = start.offsets.get(queueId);
    if (listed !== undefined) return listed;
    return start.unlisted === 'latest' ? this.#messaging.maxOffset(this.#topic, queueId) : 0;
  }

  #offset(queueId: number): number {
    return this.#offsets.get(queueId) ?? 0;
  }

  async #readRound(max: number): Promise<StoredMessage[]> {
    const n = this.#queueCount();
    const out: StoredMessage[] = [];
    for (let i = 0; i < n && out.length < max; i++) {
      await this.#readQueue((this.#next + i) % n, max - out.length, out);
    }
    this.#next = n === 0 ? 0 : (this.#next + 1) % n;
    return out;
  }

  async #readQueue(queueId: number, room: number, out: StoredMessage[]): Promise<void> {
    for (let skips = 0; skips < MAX_SKIPS_PER_QUEUE; skips++) {
      const offset = this.#offset(queueId);
      // Nothing new in this queue: no read (a round over a topic's queues at its tail reads only
      // the ones that moved). An offset past the end still reads, so the store can move it back.
      if (offset === this.#messaging.maxOffset(this.#topic, queueId)) return;
      const r = await this.#messaging.read({ topic: this.#topic, queueId, offset, max: room, filter: this.#filter });
      switch (r.status) {
        case 'found':
          for (const m of r.messages) out.push(m);
          this.#offsets.set(queueId, r.nextOffset);
          return;
        case 'filtered':
        case 'offsetMoved':
          this.#offsets.set(queueId, r.nextOffset);
          if (r.nextOffset === offset) return;
          continue;
        case 'empty':
        case 'noQueue':
          return;
      }
    }
  }

  /** True when something may have changed (an arrival or a topic change); false on timeout/abort. */
  async #waitAny(waitMs: number, signal: AbortSignal): Promise<boolean> {
    const n = this.#queueCount();
    if (n > 0) {
      // One waiter for every queue; it also answers when the topic's queues change.
      const offsets = Array.from({ length: n }, (_, q) => this.#offset(q));
      return (await this.#messaging.waitForTopic(this.#topic, offsets, waitMs, signal)) === 'arrived';
    }
    // No such topic yet: wait for it to be created.
    const local = new AbortController();
    // An explicit reason: abort() without one builds a DOMException each time.
    const onAbort = (): void => local.abort(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    let changed = false;
    const stopWatching = this.#messaging.topics.onChange((name) => {
      if (name !== this.#topic) return;
      changed = true;
      local.abort(ABORTED);
    });
    try {
      await abortableDelay(this.#clock, waitMs, local.signal);
      return changed;
    } finally {
      stopWatching();
      signal.removeEventListener('abort', onAbort);
    }
  }
}

const ABORTED = 'topic cursor wait ended';
