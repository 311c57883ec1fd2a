import { z } from 'zod';

/** `plugins.http` config slice: the HTTP door with its WebSocket and SSE endpoints, one port. */
export const httpConfigSchema = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 = pick a free port (tests); HTTP_DOOR.address() tells the real one. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Largest request body; a Content-Length above it is refused with 413 before the body is read. */
  maxBodyBytes: z.number().int().positive().default(8 * 1024 * 1024),
  /** Largest message body (the broker's maxMessageBytes, RocketMQ's 4 MiB). */
  maxMessageBytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** Most messages in one produce request. */
  maxBatchMessages: z.number().int().min(1).max(10_000).default(1000),
  /** Slowloris guards (node:http server.headersTimeout / requestTimeout / maxHeaderSize). */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  requestTimeoutMs: z.number().int().positive().default(120_000),
  keepAliveTimeoutMs: z.number().int().positive().default(5_000),
  maxHeaderBytes: z.number().int().positive().default(16 * 1024),
  /** Receive (pop): most messages per call, longest long poll, default invisible time. */
  receiveMaxMessages: z.number().int().min(1).max(256).default(32),
  receiveMaxWaitMs: z.number().int().min(0).max(60_000).default(30_000),
  defaultInvisibleMs: z.number().int().positive().default(30_000),
  /** Replay by offset: most messages per call. */
  replayMaxMessages: z.number().int().min(1).max(1024).default(256),
  ws: z
    .strictObject({
      /** Server ping period; a connection that missed a pong by the next ping is closed. */
      pingIntervalMs: z.number().int().positive().default(30_000),
      /** Default redelivery time of an unacked pushed message (subscribe may set its own). */
      ackTimeoutMs: z.number().int().positive().default(30_000),
      /** Most credits (unacked pushed messages) one subscription may hold. */
      maxCredits: z.number().int().min(1).max(100_000).default(1000),
      /** A client whose unsent data exceeds this is closed with 4008 (slow client). */
      maxBufferedBytes: z.number().int().positive().default(8 * 1024 * 1024),
      /** Largest incoming frame. */
      maxPayloadBytes: z.number().int().positive().default(8 * 1024 * 1024),
    })
    .default({ pingIntervalMs: 30_000, ackTimeoutMs: 30_000, maxCredits: 1000, maxBufferedBytes: 8 * 1024 * 1024, maxPayloadBytes: 8 * 1024 * 1024 }),
  /**
   * Cross-origin requests from browser pages (CORS) for the REST API under /v1. Off by default: only
   * pages served by the broker itself (same origin, e.g. /sdk/demo.html) may call it. `["*"]` allows
   * any origin; otherwise list origins exactly (`"http://localhost:5173"`). No cookies are used, so
   * credentials are never allowed; request headers are allowed as the preflight names them (the
   * `x-cometmq-property-<name>` headers are open-ended).
   */
  cors: z
    .strictObject({
      allowOrigins: z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin)])).default([]),
      /** How long a browser may cache a preflight answer. */
      maxAgeSecs: z.number().int().min(0).max(86_400).default(600),
    })
    .default({ allowOrigins: [], maxAgeSecs: 600 }),
  sse: z
    .strictObject({
      /** Comment line sent this often to keep proxies from closing an idle stream. */
      heartbeatMs: z.number().int().positive().default(15_000),
    })
    .default({ heartbeatMs: 15_000 }),
});

export type HttpConfig = z.output<typeof httpConfigSchema>;

export function httpConfig(input: z.input<typeof httpConfigSchema> = {}): HttpConfig {
  return httpConfigSchema.parse(input);
}
