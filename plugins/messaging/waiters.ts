import { CometError } from '../../kernel/errors.js';
import type { WaitOutcome } from '../../kernel/messaging/api.js';
import type { TimerHandle } from '../../kernel/services.js';
import type { MessagingDeps } from './deps.js';

interface Waiter {
  readonly offset: number;
  settle(outcome: WaitOutcome): void;
}

/** One waiter for several queues of a topic: offsets[q] is the offset awaited on queue q. */
interface TopicWaiter {
  readonly offsets: readonly number[];
  settle(outcome: WaitOutcome): void;
}

const keyOf = (topic: string, queueId: number): string => `${queueId}@${topic}`;

/**
 * Long-poll waiters keyed by (topic, queueId), woken by the store's arrival events (never by polling).
 * Each waiter is removed from the map on every outcome; the total is bounded by `maxWaiters`.
 */
export class WaiterRegistry {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly topicWaiters = new Map<string, Set<TopicWaiter>>();
  private count = 0;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly deps: Pick<MessagingDeps, 'store' | 'clock'>,
    private readonly maxWaiters: number,
  ) {}

  /** The caller has validated topic, queueId, offset and timeoutMs. */
  wait(topic: string, queueId: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (signal?.aborted === true || this.closed) return Promise.resolve('aborted');
    this.attach();
    if (this.deps.store.maxOffset(topic, queueId) > offset) return Promise.resolve('arrived');
    if (timeoutMs <= 0) return Promise.resolve('timeout');
    if (this.count >= this.maxWaiters) {
      return Promise.reject(new CometError('SERVICE_UNAVAILABLE', `too many long-poll waiters (maxWaiters ${this.maxWaiters})`));
    }
    return new Promise<WaitOutcome>((resolve) => this.register(keyOf(topic, queueId), offset, timeoutMs, signal, resolve));
  }

  /** The caller has validated topic, offsets and timeoutMs. */
  waitTopic(topic: string, offsets: readonly number[], timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (signal?.aborted === true || this.closed) return Promise.resolve('aborted');
    this.attach();
    for (let q = 0; q < offsets.length; q++) if (this.deps.store.maxOffset(topic, q) > offsets[q]!) return Promise.resolve('arrived');
    if (timeoutMs <= 0) return Promise.resolve('timeout');
    if (this.count >= this.maxWaiters) {
      return Promise.reject(new CometError('SERVICE_UNAVAILABLE', `too many long-poll waiters (maxWaiters ${this.maxWaiters})`));
    }
    return new Promise<WaitOutcome>((resolve) => {
      let timer: TimerHandle | undefined;
      const onAbort = (): void => waiter.settle('aborted');
      const waiter: TopicWaiter = {
        offsets,
        settle: (outcome) => {
          const set = this.topicWaiters.get(topic);
          if (set === undefined || !set.delete(waiter)) return;
          if (set.size === 0) this.topicWaiters.delete(topic);
          this.count--;
          timer?.cancel();
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
        },
      };
      let set = this.topicWaiters.get(topic);
      if (set === undefined) this.topicWaiters.set(topic, (set = new Set()));
      set.add(waiter);
      this.count++;
      timer = this.deps.clock.setTimeout(() => waiter.settle('timeout'), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waiters currently held (for leak checks and metrics). */
  size(): number {
    return this.count;
  }

  /** Keys currently in the maps (a drained registry holds none). */
  keyCount(): number {
    return this.waiters.size + this.topicWaiters.size;
  }

  /** Resolve every waiter 'aborted', stop listening, refuse new waits with 'aborted'. */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.settle('aborted');
    for (const set of [...this.topicWaiters.values()]) for (const waiter of [...set]) waiter.settle('aborted');
  }

  private register(key: string, offset: number, timeoutMs: number, signal: AbortSignal | undefined, resolve: (o: WaitOutcome) => void): void {
    let timer: TimerHandle | undefined;
    const onAbort = (): void => waiter.settle('aborted');
    const waiter: Waiter = {
      offset,
      settle: (outcome) => {
        if (!this.remove(key, waiter)) return;
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      },
    };
    this.add(key, waiter);
    // Not unref'd: an in-process caller awaiting a wait keeps the process alive; close() cancels every timer.
    timer = this.deps.clock.setTimeout(() => waiter.settle('timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  }

  private add(key: string, waiter: Waiter): void {
    let set = this.waiters.get(key);
    if (set === undefined) {
      set = new Set();
      this.waiters.set(key, set);
    }
    set.add(waiter);
    this.count++;
  }

  /** False when the waiter was already settled. */
  private remove(key: string, waiter: Waiter): boolean {
    const set = this.waiters.get(key);
    if (set === undefined || !set.delete(waiter)) return false;
    if (set.size === 0) this.waiters.delete(key);
    this.count--;
    return true;
  }

  private attach(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.deps.store.onArrival((topic, queueId, maxOffset) => {
      this.wake(keyOf(topic, queueId), maxOffset);
      this.wakeTopic(topic, queueId, maxOffset);
    });
  }

  /** The topic was created, changed or deleted: topic-wide waiters answer 'arrived' (read again). */
  topicChanged(topic: string): void {
    const set = this.topicWaiters.get(topic);
    if (set === undefined) return;
    for (const waiter of [...set]) waiter.settle('arrived');
  }

  private wakeTopic(topic: string, queueId: number, maxOffset: number): void {
    const set = this.topicWaiters.get(topic);
    if (set === undefined) return;
    for (const waiter of [...set]) {
      const awaited = waiter.offsets[queueId];
      if (awaited !== undefined && maxOffset > awaited) waiter.settle('arrived');
    }
  }

  private wake(key: string, maxOffset: number): void {
    const set = this.waiters.get(key);
    if (set === undefined) return;
    for (const waiter of [...set]) if (maxOffset > waiter.offset) waiter.settle('arrived');
  }
}
