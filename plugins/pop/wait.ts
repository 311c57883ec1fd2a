import { setMaxListeners } from 'node:events';
import type { Messaging, WaitOutcome } from '../../kernel/messaging/api.js';
import type { Clock, TimerHandle } from '../../kernel/services.js';
import type { View } from './registry.js';

export interface WaitForWork {
  readonly views: readonly View[];
  /** Queues at their in-flight limit are not waited on (their backlog cannot be delivered). */
  readonly maxInflightPerQueue: number;
  readonly timeoutMs: number;
  /** Request cancellation and service shutdown. */
  readonly signals: readonly (AbortSignal | undefined)[];
  /** Subscribe to "an in-flight message became visible" (extend to 0); returns unsubscribe. */
  readonly onWake: (listener: () => void) => () => void;
}

/**
 * Resolve when something may be deliverable: a message arrives on any queue past its cursor, the
 * earliest in-flight entry's invisible time passes, a wake-up is signalled, the timeout passes or a
 * signal aborts. Every waiter and timer is released before it resolves.
 */
export async function waitForWork(messaging: Messaging, clock: Clock, w: WaitForWork): Promise<void> {
  const ac = new AbortController();
  // One listener per queue waited on (a topic and its retry topic can have dozens): not a leak.
  setMaxListeners(0, ac.signal);
  const cleanups: (() => void)[] = [];
  let failure: unknown;
  try {
    const woken = new Promise<void>((resolve) => {
      const done = (): void => resolve();
      for (const signal of w.signals) {
        if (signal === undefined) continue;
        if (signal.aborted) resolve();
        signal.addEventListener('abort', done, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', done));
      }
      cleanups.push(w.onWake(done));
      const due = earliestDue(w.views);
      const ms = due === undefined ? w.timeoutMs : Math.min(w.timeoutMs, Math.max(1, due - clock.now() + 1));
      const timer: TimerHandle = clock.setTimeout(done, ms);
      cleanups.push(() => timer.cancel());
    });
    const arrivals = w.views
      .filter((v) => v.state.inflightCount < w.maxInflightPerQueue)
      .map((v) =>
        messaging.waitForMessages(v.source, v.queueId, v.state.cursor, w.timeoutMs, ac.signal).then(
          (outcome: WaitOutcome) => outcome,
          (e: unknown) => {
            failure ??= e;
          },
        ),
      );
    await Promise.race([woken, ...arrivals]);
  } finally {
    ac.abort();
    for (const cleanup of cleanups) cleanup();
  }
  if (failure !== undefined) throw failure;
}

function earliestDue(views: readonly View[]): number | undefined {
  let min: number | undefined;
  for (const v of views) {
    const due = v.state.earliestDue();
    if (due !== undefined && (min === undefined || due < min)) min = due;
  }
  return min;
}
