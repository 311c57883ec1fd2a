import { CometError } from '../../kernel/errors.js';

/**
 * `deliverAt` (epoch ms) → the smallest delay level whose delay is at least the wait, so a message
 * is never delivered before `deliverAt` (it may come later: up to the gap to that level). A time
 * already passed means no delay (0); a wait beyond the longest level is refused (MESSAGE_INVALID)
 * rather than delivered early.
 */
export function delayLevelFor(deliverAt: number, now: number, levelsMs: readonly number[]): number {
  const wait = deliverAt - now;
  if (wait <= 0) return 0;
  let best = 0;
  let bestMs = Number.POSITIVE_INFINITY;
  levelsMs.forEach((ms, i) => {
    if (ms >= wait && ms < bestMs) {
      best = i + 1;
      bestMs = ms;
    }
  });
  if (best === 0) {
    const longest = Math.max(0, ...levelsMs);
    throw new CometError('MESSAGE_INVALID', `deliverAt is ${wait} ms away; the longest delay level is ${longest} ms (plugins.messaging.delayLevels)`);
  }
  return best;
}
