import { z } from 'zod';

/** `plugins.namesrv` config slice. Every key has a default. */
export const namesrvConfigSchema = z.strictObject({
  /** Listen address (`0.0.0.0`: every interface). */
  host: z.string().min(1).default('0.0.0.0'),
  /** Listen port (RocketMQ's 9876; 0 picks a free port, as tests do). */
  port: z.number().int().min(0).max(65535).default(9876),
  /** A broker not re-registered within this long is removed (Java: 120 s). */
  brokerExpiryMs: z.number().int().positive().default(120_000),
  /** How often expired brokers are looked for (Java: 10 s). */
  scanIntervalMs: z.number().int().positive().default(10_000),
});

export type NamesrvConfig = z.output<typeof namesrvConfigSchema>;

export function namesrvConfig(input: z.input<typeof namesrvConfigSchema> = {}): NamesrvConfig {
  return namesrvConfigSchema.parse(input);
}
