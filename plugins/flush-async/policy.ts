import type { Logger } from 'pino';
import type { Flushable, FlushPolicy } from '../../kernel/messaging/flush.js';
import { type Clock, type TimerHandle, systemClock } from '../../kernel/services.js';

export interface AsyncFlushOptions {
  /** fdatasync period. */
  readonly flushIntervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Called after each periodic flush with the flushed offset (tests, metrics). */
  readonly onFlushed?: (flushedOffset: number) => void;
}

const RESOLVED = Promise.resolve();

/**
 * Appends are acknowledged once written (page cache); the log is fdatasync'd every
 * flushIntervalMs and at detach. Power loss can lose up to one interval of acknowledged appends.
 */
export function createAsyncFlushPolicy(opts: AsyncFlushOptions = {}): FlushPolicy {
  const clock = opts.clock ?? systemClock;
  const interval = opts.flushIntervalMs ?? 500;
  let target: Flushable | undefined;
  let timer: TimerHandle | undefined;
  let busy = false;

  const tick = async (): Promise<void> => {
    if (!target || busy || target.writtenOffset() <= target.flushedOffset()) return;
    busy = true;
    try {
      const flushed = await target.flush();
      opts.onFlushed?.(flushed);
    } catch (e) {
      opts.logger?.error({ err: e }, 'periodic commit-log fdatasync failed');
    } finally {
      busy = false;
    }
  };

  return {
    mode: 'async',
    attach(t) {
      target = t;
      timer = clock.setInterval(() => void tick(), interval).unref();
    },
    awaitDurable() {
      return RESOLVED;
    },
    async detach() {
      timer?.cancel();
      timer = undefined;
      if (target && target.writtenOffset() > target.flushedOffset()) {
        const flushed = await target.flush();
        opts.onFlushed?.(flushed);
      }
      target = undefined;
    },
  };
}
