/** Time comes through this service so tests can shorten or control timers. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (store timestamps, retention ages). */
  now(): number;
  /** Monotonic milliseconds (timeouts, durations). */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
  /** Let the process exit while this timer is pending. */
  unref(): TimerHandle;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
}

/** Facts about this kernel instance, shared with every plugin. */
export interface KernelInfo {
  /** Absolute data directory; each plugin keeps its files in a sub-folder named after it. */
  readonly dataDir: string;
  readonly brokerName: string;
  readonly clusterName: string;
  /** Advertised host (IPv4) and the native port: together they form the store host in msgIds. */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return wrapTimer(() => clearTimeout(t), () => t.unref());
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    return wrapTimer(() => clearInterval(t), () => t.unref());
  },
};

function wrapTimer(cancel: () => void, unref: () => void): TimerHandle {
  const h: TimerHandle = {
    cancel,
    unref() {
      unref();
      return h;
    },
  };
  return h;
}

/** A small seeded PRNG (mulberry32) so schedules can be replayed in tests. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (max) => Math.floor(next() * max) };
}
