/**
 * Reconnect delays: exponential (initialMs doubling up to maxMs) with "equal jitter": each delay is
 * drawn uniformly from [d/2, d], so clients that lost the same broker do not come back in step.
 */
export interface BackoffOptions {
  /** First delay (default 100 ms). */
  readonly initialMs?: number;
  /** Cap (default 10 000 ms). */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 100, maxMs: 10_000 };

/** The delay before reconnect attempt `attempt` (0 = the first after a drop); random() ∈ [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const maxMs = Math.max(initialMs, options.maxMs ?? DEFAULT_BACKOFF.maxMs);
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
