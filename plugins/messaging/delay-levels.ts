import { CometError } from '../../kernel/errors.js';

/** RocketMQ's messageDelayLevel default (rocketmq-protocol.md §2.10.2): level 1 = 1s … level 18 = 2h. */
export const DEFAULT_DELAY_LEVELS = '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h';

/** Most levels a configuration may define (one schedule-topic queue per level). */
export const MAX_DELAY_LEVELS = 64;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const LEVEL_RE = /^(\d+)(ms|s|m|h|d)$/;

/**
 * Parse a space-separated delay-level list (`1s 5s 10s … 2h`; units ms, s, m, h, d) into milliseconds,
 * index 0 = level 1. Throws CONFIG_INVALID naming the bad entry.
 */
export function parseDelayLevels(text: string): readonly number[] {
  const parts = text.trim().split(/\s+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new CometError('CONFIG_INVALID', 'delayLevels is empty: give at least one level such as "1s"');
  if (parts.length > MAX_DELAY_LEVELS) {
    throw new CometError('CONFIG_INVALID', `delayLevels has ${parts.length} levels; the limit is ${MAX_DELAY_LEVELS}`);
  }
  return parts.map((part, i) => {
    const match = LEVEL_RE.exec(part);
    const amount = match === null ? Number.NaN : Number(match[1]);
    const unit = match === null ? undefined : UNIT_MS[match[2] ?? ''];
    if (unit === undefined || !Number.isSafeInteger(amount * unit) || amount <= 0) {
      throw new CometError('CONFIG_INVALID', `delayLevels entry ${i + 1} ${JSON.stringify(part)} is not a positive duration like 500ms, 5s, 2m, 1h or 1d`);
    }
    return amount * unit;
  });
}

/** Zod refinement helper: the error text for an invalid list, or undefined when it parses. */
export function delayLevelsProblem(text: string): string | undefined {
  try {
    parseDelayLevels(text);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
