import type { Messaging } from './api.js';
import type { Clock } from '../services.js';

/** Resolves 'timeout' after `ms` (Clock timer) or 'aborted' as soon as `signal` aborts. */
export function abortableDelay(clock: Clock, ms: number, signal: AbortSignal): Promise<'timeout' | 'aborted'> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('aborted');
    const onAbort = (): void => {
      timer.cancel();
      resolve('aborted');
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve('timeout');
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves true when `topic` is created or changed, false after `ms` or when `signal` aborts. */
export async function waitForTopicChange(messaging: Messaging, clock: Clock, topic: string, ms: number, signal: AbortSignal): Promise<boolean> {
  const local = new AbortController();
  const onAbort = (): void => local.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let changed = false;
  const stop = messaging.topics.onChange((name) => {
    if (name !== topic) return;
    changed = true;
    local.abort();
  });
  try {
    await abortableDelay(clock, ms, local.signal);
    return changed;
  } finally {
    stop();
    signal.removeEventListener('abort', onAbort);
  }
}
