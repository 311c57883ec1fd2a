import { z } from 'zod';

/** Cap of a held pull: ali-ons closes the whole connection when a pull gets no answer in 30 s (§2.5 step 7). */
export const SUSPEND_MAX_LIMIT_MS = 29_000;

/** `plugins.remoting` config slice (the native RocketMQ 4.x door). Every key has a default. */
export const remotingConfigSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 = pick a free port (tests); NATIVE_DOOR.address() tells the real one. */
  port: z.number().int().min(0).max(65535).default(10911),
  /** Longest a pull is held by long polling, whatever suspendTimeoutMillis the client asks for. */
  suspendMaxMs: z.number().int().min(0).max(SUSPEND_MAX_LIMIT_MS).default(SUSPEND_MAX_LIMIT_MS),
  /** A client (producer or consumer) without a heartbeat for this long is dropped (§2.3 step 5). */
  clientExpiryMs: z.number().int().positive().default(120_000),
  /** How often stale clients and locks are looked for. */
  scanIntervalMs: z.number().int().positive().default(10_000),
  /** An orderly consumer's queue lock lapses unless renewed within this time (LOCK_BATCH_MQ). */
  lockExpiryMs: z.number().int().positive().default(60_000),
  /** Largest message body accepted by a send (RocketMQ maxMessageSize, 4 MiB) → 13 MESSAGE_ILLEGAL. */
  maxMessageBytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** Most messages one pull returns (RocketMQ maxTransferCountOnMessageInMemory). */
  maxPullMessages: z.number().int().min(1).max(1024).default(32),
  /** Upper bound on the bytes one pull returns (RocketMQ maxTransferBytesOnMessageInMemory, 256 KiB). */
  maxPullBytes: z.number().int().positive().default(256 * 1024),
  /** Send responses carry MSG_REGION / TRACE_ON (Java always adds them; clients ignore them). */
  region: z.string().min(1).default('DefaultRegion'),
  traceOn: z.boolean().default(true),
  /** Send 40 NOTIFY_CONSUMER_IDS_CHANGED one-way to a group's members when its client set changes. */
  notifyConsumerIdsChanged: z.boolean().default(true),
  /** Transport limits (kernel/protocol/remoting/transport.ts RemotingServerOptions). */
  maxInflightPerConnection: z.number().int().positive().default(1024),
  maxPendingWriteBytes: z.number().int().positive().default(8 * 1024 * 1024),
  idleTimeoutMs: z.number().int().positive().default(120_000),
});

export type RemotingConfig = z.output<typeof remotingConfigSchema>;

export function remotingConfig(input: z.input<typeof remotingConfigSchema> = {}): RemotingConfig {
  return remotingConfigSchema.parse(input);
}
