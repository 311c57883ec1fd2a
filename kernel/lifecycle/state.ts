import type { Logger } from 'pino';
import { assert } from '../errors.js';

/** The kernel's one forward-only state machine. */
export type KernelState =
  | 'created'
  | 'loading'
  | 'registered'
  | 'initializing'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'failed';

/** Every legal transition. Anything else is a programmer error (assertion). */
const NEXT: Readonly<Record<KernelState, readonly KernelState[]>> = {
  created: ['loading', 'stopping'],
  loading: ['registered', 'failed'],
  registered: ['initializing', 'failed'],
  initializing: ['starting', 'failed'],
  starting: ['running', 'failed'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
  failed: [],
};

export function canTransition(from: KernelState, to: KernelState): boolean {
  return NEXT[from].includes(to);
}

export interface StateChange {
  readonly from: KernelState;
  readonly to: KernelState;
  /** Milliseconds spent in `from`. */
  readonly ms: number;
}

/** Holds the current state, asserts legality and logs each transition with the time spent in the previous state. */
export class StateMachine {
  #state: KernelState = 'created';
  #since: number;
  readonly #now: () => number;
  readonly #listeners: ((change: StateChange) => void)[] = [];
  #logger: Logger | undefined;

  constructor(now: () => number) {
    this.#now = now;
    this.#since = now();
  }

  get state(): KernelState {
    return this.#state;
  }

  /** The logger exists only once config is read; transitions before that are logged without it. */
  useLogger(logger: Logger): void {
    this.#logger = logger;
  }

  onChange(listener: (change: StateChange) => void): void {
    this.#listeners.push(listener);
  }

  transition(to: KernelState): StateChange {
    const from = this.#state;
    assert(canTransition(from, to), `illegal kernel state transition ${from} → ${to}`);
    const now = this.#now();
    const change: StateChange = { from, to, ms: Math.round((now - this.#since) * 1000) / 1000 };
    this.#state = to;
    this.#since = now;
    this.#logger?.info({ from, to, ms: change.ms }, `kernel ${from} → ${to} (${change.ms} ms)`);
    for (const l of this.#listeners) l(change);
    return change;
  }
}
