import { z } from 'zod';

/** `plugins.pop` config slice. Every key has a default. */
export const popConfigSchema = z.strictObject({
  /**
   * Deliveries of one message (first + redeliveries after its invisible time ran out) before it goes
   * to `%DLQ%<group>` instead of a further delivery: 17 = 1 + RocketMQ's 16 reconsume times.
   */
  maxDeliveryAttempts: z.number().int().min(1).max(1000).default(17),
  /**
   * Received, unacknowledged messages held per (group, topic, queue). A queue at the limit is skipped;
   * a receive that finds every queue at the limit fails with POP_INFLIGHT_LIMIT. Also bounds the acks
   * remembered above a gap (see README).
   */
  maxInflightPerQueue: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Pop state (cursors, in-flight deliveries) is written at most this often when it changed, and at stop. */
  persistIntervalMs: z.number().int().min(10).max(60_000).default(1000),
});

export type PopConfig = z.output<typeof popConfigSchema>;

/** Defaults for every key (standalone use without the kernel). */
export function popConfig(input: z.input<typeof popConfigSchema> = {}): PopConfig {
  return popConfigSchema.parse(input);
}
