import type { Clock, TimerHandle } from '../../../kernel/services.js';

/** A Clock whose time moves only on advance(); interval/timeout callbacks run when due. For tests. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { due: number; every: number | undefined; fn: () => void }>();
  const add = (fn: () => void, ms: number, every: number | undefined): TimerHandle => {
    const id = nextId++;
    timers.set(id, { due: now + ms, every, fn });
    const handle: TimerHandle = { cancel: () => void timers.delete(id), unref: () => handle };
    return handle;
  };
  return {
    now: () => now,
    monotonic: () => now,
    setTimeout: (fn, ms) => add(fn, ms, undefined),
    setInterval: (fn, ms) => add(fn, ms, Math.max(1, ms)),
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.due <= target).sort((a, b) => a[1].due - b[1].due)[0];
        if (!due) break;
        const [id, t] = due;
        now = t.due;
        if (t.every === undefined) timers.delete(id);
        else t.due += t.every;
        t.fn();
      }
      now = target;
    },
  };
}
