/**
 * Public types of the CometMQ Node SDK. Wire facts: shared/rocketmq-protocol.md.
 */

/** A pino-compatible logger (pino's Logger satisfies it). Optional everywhere. */
export interface SdkLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a producer sends. A string body is UTF-8 encoded. */
export interface Message {
  readonly topic: string;
  readonly body: Uint8Array | string;
  /** One tag (RocketMQ TAGS). */
  readonly tags?: string;
  /** Business keys (RocketMQ KEYS, space separated on the wire). */
  readonly keys?: string | readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  /** 1…18 (broker delay levels); 0 or absent = no delay. */
  readonly delayLevel?: number;
  /** User flag (stored opaque). */
  readonly flag?: number;
}

/** One queue of a topic on one broker. */
export interface MessageQueue {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
}

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  readonly status: SendStatus;
  /** Offset msgId (§3.4) of the stored record; for a batch, the first one. */
  readonly msgId: string;
  /** Every msgId of a batch (one element for a single send). */
  readonly msgIds: readonly string[];
  readonly messageQueue: MessageQueue;
  /** Logical offset in the queue (for a batch, of the first message). */
  readonly queueOffset: number;
}

/** A message as consumed. Retry messages show their original topic (RETRY_TOPIC). */
export interface ReceivedMessage {
  readonly topic: string;
  /** The topic it was pulled from (differs from `topic` for `%RETRY%<group>` messages). */
  readonly sourceTopic: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  /** Commit-log offset on its broker (used by send-back). */
  readonly commitLogOffset: number;
  readonly msgId: string;
  /** Decompressed body. */
  readonly body: Buffer;
  readonly tags: string | undefined;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly reconsumeTimes: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
  readonly flag: number;
}

/** Name-server discovery, shared by every client. */
export interface ClientOptions {
  readonly groupName: string;
  /** `'a:9876;b:9876'` or `['a:9876', 'b:9876']`; else env NAMESRV_ADDR; else namesrvHttpUrl. */
  readonly namesrvAddr?: string | readonly string[];
  /** HTTP endpoint answering `host:port;host:port`. */
  readonly namesrvHttpUrl?: string;
  /** IP in the client id (default: first non-internal IPv4, else 127.0.0.1). */
  readonly clientIP?: string;
  /** Instance part of the client id (default: pid plus a random suffix; 'DEFAULT' for broadcasting). */
  readonly instanceName?: string;
  /** Per-request timeout for name server and broker admin calls (default 3000). */
  readonly requestTimeoutMs?: number;
  /** Route refresh period (default 30000). */
  readonly pollNameServerIntervalMs?: number;
  /** Heartbeat period (default 30000). */
  readonly heartbeatIntervalMs?: number;
  readonly logger?: SdkLogger;
}

export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeFromWhere = 'FIRST' | 'LAST' | 'TIMESTAMP';
