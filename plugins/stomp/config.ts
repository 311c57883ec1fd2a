import { z } from 'zod';

/** `plugins.stomp` config slice (the STOMP 1.0/1.1/1.2 door). Every key has a default. */
export const stompConfigSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 = pick a free port (tests); STOMP_DOOR.address() tells the real one. */
  port: z.number().int().min(0).max(65535).default(61613),
  /** Also serve STOMP over WebSocket at this path of the HTTP door ('' = off). */
  websocketPath: z.string().default('/stomp'),
  /** Command line and headers of one frame. */
  maxHeaderBytes: z.number().int().min(1024).default(64 * 1024),
  maxHeaders: z.number().int().min(8).default(128),
  /** Largest frame body (the store's message limit applies too). */
  maxBodyBytes: z.number().int().min(1).default(4 * 1024 * 1024),
  /** A connection must send CONNECT / STOMP within this time. */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /** Heart-beat the server offers: [it can send every, it wants to receive every] ms (0 = none). */
  heartBeatSendMs: z.number().int().min(0).default(10_000),
  heartBeatReceiveMs: z.number().int().min(0).default(10_000),
  /** Messages delivered and not yet acknowledged per `client` / `client-individual` subscription. */
  maxUnackedPerSubscription: z.number().int().min(1).default(1000),
  /** An unacknowledged queue message goes to another subscriber after this time (or at disconnect). */
  ackTimeoutMs: z.number().int().positive().default(5 * 60_000),
  /** Open transactions per connection, and frames buffered per transaction. */
  maxTransactions: z.number().int().min(1).default(16),
  maxFramesPerTransaction: z.number().int().min(1).default(10_000),
  /** Bytes waiting in a connection's send buffer beyond which deliveries pause. */
  maxPendingWriteBytes: z.number().int().positive().default(4 * 1024 * 1024),
});

export type StompConfig = z.output<typeof stompConfigSchema>;

export function stompConfig(input: z.input<typeof stompConfigSchema> = {}): StompConfig {
  return stompConfigSchema.parse(input);
}
