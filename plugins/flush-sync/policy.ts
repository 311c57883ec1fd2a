import { CometError, wrapError } from '../../kernel/errors.js';
import type { Flushable, FlushPolicy } from '../../kernel/messaging/flush.js';
import { type Clock, systemClock } from '../../kernel/services.js';

export interface SyncFlushOptions {
  /** A flush round slower than this rejects its waiters with STORE_FLUSH_TIMEOUT. */
  readonly flushTimeoutMs?: number;
  readonly clock?: Clock;
}

interface Waiter {
  readonly end: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * Group commit: awaitDurable(end) resolves after an fdatasync that began after `end` was written.
 * Waiters present when a round starts share its fdatasync; waiters arriving during a round wait
 * for the next one. A failed round rejects its waiters with STORE_IO.
 */
export function createSyncFlushPolicy(opts: SyncFlushOptions = {}): FlushPolicy {
  const clock = opts.clock ?? systemClock;
  const timeoutMs = opts.flushTimeoutMs ?? 5000;
  let target: Flushable | undefined;
  let waiters: Waiter[] = [];
  let running = false;

  const round = async (): Promise<void> => {
    running = true;
    try {
      while (waiters.length > 0 && target) {
        const batch = waiters;
        waiters = [];
        let flushed: number;
        try {
          flushed = await withTimeout(target.flush(), timeoutMs, clock);
        } catch (e) {
          const err = e instanceof CometError ? e : wrapError('STORE_IO', 'fdatasync failed', e);
          for (const w of batch) w.reject(err);
          continue;
        }
        for (const w of batch) {
          if (w.end <= flushed) w.resolve();
          else waiters.push(w);
        }
      }
    } finally {
      running = false;
    }
  };

  return {
    mode: 'sync',
    attach(t) {
      target = t;
    },
    awaitDurable(end) {
      if (target && target.flushedOffset() >= end) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ end, resolve, reject });
        if (!running) void round();
      });
    },
    async detach() {
      if (target && target.writtenOffset() > target.flushedOffset()) await target.flush();
      target = undefined;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new CometError('STORE_FLUSH_TIMEOUT', `fdatasync took longer than ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e: unknown) => {
        timer.cancel();
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
