import { z } from 'zod';
import { DEFAULT_DELAY_LEVELS, delayLevelsProblem } from './delay-levels.js';

/** Most messages one read may return (RocketMQ caps a pull batch the same way). */
export const MAX_READ_MESSAGES_LIMIT = 1024;

/** `plugins.messaging` config slice. Every key has a default. */
export const messagingConfigSchema = z.strictObject({
  /** Producing to an unknown topic creates it (RocketMQ autoCreateTopicEnable). */
  autoCreateTopics: z.boolean().default(true),
  /** `groups.ensure()` creates unknown subscription groups (RocketMQ autoCreateSubscriptionGroup). */
  autoCreateGroups: z.boolean().default(true),
  /** Read and write queue count of auto-created topics and of topics created without counts. */
  defaultQueueNums: z.number().int().min(1).max(1024).default(8),
  /** Long-poll waiters held at once; beyond this waitForMessages fails with SERVICE_UNAVAILABLE. */
  maxWaiters: z.number().int().min(1).default(100_000),
  /** Upper clamp of ReadFromQueue.max. */
  maxReadMessages: z.number().int().min(1).max(MAX_READ_MESSAGES_LIMIT).default(MAX_READ_MESSAGES_LIMIT),
  /**
   * Delay levels of the schedule service (RocketMQ messageDelayLevel), space-separated, level 1 first;
   * units ms, s, m, h, d. A produce with delayLevel L (or property DELAY=L) is delivered after level L's delay.
   */
  delayLevels: z
    .string()
    .default(DEFAULT_DELAY_LEVELS)
    .superRefine((value, ctx) => {
      const problem = delayLevelsProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** How long the schedule service waits before retrying a delivery the store rejected. */
  scheduleRetryMs: z.number().int().min(1).default(10_000),
});

export type MessagingConfig = z.output<typeof messagingConfigSchema>;

/** Defaults for every key (standalone use without the kernel). */
export function messagingConfig(input: z.input<typeof messagingConfigSchema> = {}): MessagingConfig {
  return messagingConfigSchema.parse(input);
}
