/**
 * Bounded waiting for tests: poll a condition or an assertion until a deadline, or wait for one
 * event. Never a fixed sleep used as synchronisation. Uses real timers (tests only).
 */

export interface WaitOptions {
  /** Give up after this long (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Poll every this long (default 10 ms). */
  readonly intervalMs?: number;
  /** Included in the timeout error. */
  readonly message?: string;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_INTERVAL_MS = 10;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolve once `condition` returns true; reject with a timeout error after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() >= deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms${options.message === undefined ? '' : `: ${options.message}`}`);
    }
    await delay(options.intervalMs ?? DEFAULT_INTERVAL_MS);
  }
}

/** Run `check` until it stops throwing; returns its value, or rethrows its last error at the deadline. */
export async function eventually<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (performance.now() >= deadline) {
        const prefix = `eventually gave up after ${timeoutMs} ms${options.message === undefined ? '' : ` (${options.message})`}`;
        throw new Error(`${prefix}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    await delay(options.intervalMs ?? DEFAULT_INTERVAL_MS);
  }
}

/** Something that can be listened to: a Node EventEmitter or a DOM-style EventTarget. */
export type EmitterLike =
  | { on(event: string, listener: (...args: unknown[]) => void): unknown; off(event: string, listener: (...args: unknown[]) => void): unknown }
  | {
      addEventListener(event: string, listener: (ev: unknown) => void): unknown;
      removeEventListener(event: string, listener: (ev: unknown) => void): unknown;
    };

/** A `subscribe(listener) => unsubscribe` source, e.g. MessageStore.onArrival. */
export type Subscribe<A extends unknown[]> = (listener: (...args: A) => void) => () => void;

/**
 * The arguments of the next `event` (EventEmitter: the listener's arguments; EventTarget: `[event]`)
 * that passes `filter`. Rejects after `timeoutMs`. The listener is always removed.
 */
export function once(emitter: EmitterLike, event: string, options: WaitOptions & { filter?: (...args: unknown[]) => boolean } = {}): Promise<unknown[]> {
  return onceFrom<unknown[]>((listener) => {
    if ('on' in emitter) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    }
    const handler = (ev: unknown): void => listener(ev);
    emitter.addEventListener(event, handler);
    return () => emitter.removeEventListener(event, handler);
  }, { ...options, message: options.message ?? `event ${event}` });
}

/** The arguments of the next call of a subscribe-style source that passes `filter`; bounded by `timeoutMs`. */
export function onceFrom<A extends unknown[]>(subscribe: Subscribe<A>, options: WaitOptions & { filter?: (...args: A) => boolean } = {}): Promise<A> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<A>((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      unsubscribe?.();
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`once timed out after ${timeoutMs} ms${options.message === undefined ? '' : `: ${options.message}`}`));
    }, timeoutMs);
    unsubscribe = subscribe((...args: A) => {
      if (done || (options.filter !== undefined && !options.filter(...args))) return;
      finish();
      resolve(args);
    });
    if (done) unsubscribe();
  });
}
