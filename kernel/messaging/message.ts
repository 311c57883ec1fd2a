/** A host as stored in records and msgIds: IPv4 address text and port. */
export interface HostAddress {
  readonly address: string;
  readonly port: number;
}

/** What a producer hands to the store (via the messaging API). Bodies are bytes, never `any`. */
export interface MessageInput {
  readonly topic: string;
  readonly body: Uint8Array;
  /** Single tag (RocketMQ `TAGS`). */
  readonly tags?: string;
  /** Business keys (RocketMQ `KEYS`, space-separated on the wire). */
  readonly keys?: readonly string[];
  /** User and system properties; `TAGS`/`KEYS` given here are overridden by the fields above. */
  readonly properties?: Readonly<Record<string, string>>;
  /** User flag (RocketMQ `FLAG`). */
  readonly flag?: number;
  readonly bornTimestamp?: number;
  readonly bornHost?: HostAddress;
  /** RocketMQ sysFlag (compression, transaction bits) as sent by the client. */
  readonly sysFlag?: number;
  readonly reconsumeTimes?: number;
  readonly preparedTransactionOffset?: number;
}

/** A message input with its queue chosen: what the store appends. */
export interface AppendInput extends MessageInput {
  readonly queueId: number;
}

/**
 * A stored message as read back. Implementations may decode lazily; `raw` is the record exactly as
 * stored (RocketMQ 4.x V1 layout, shared/rocketmq-protocol.md §3.1) so the native door can send it as is.
 */
export interface StoredMessage {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly size: number;
  readonly msgId: string;
  readonly body: Uint8Array;
  readonly bodyCrc: number;
  readonly tags: string | undefined;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly flag: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly bornHost: HostAddress;
  readonly storeTimestamp: number;
  readonly storeHost: HostAddress;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
  readonly raw: Uint8Array;
}

/** Well-known property keys (shared/rocketmq-protocol.md §3.3). */
export const PROPERTY = {
  TAGS: 'TAGS',
  KEYS: 'KEYS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  UNIQ_KEY: 'UNIQ_KEY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  CLUSTER: 'CLUSTER',
  SHARDING_KEY: '__SHARDING_KEY',
} as const;

/**
 * The id a consumer sees, on every door: the client id (UNIQ_KEY) when a native producer set one, else
 * the original's id for a retry copy, else the record's offset msgId. It stays the same across retries.
 */
export function consumerMsgId(m: Pick<StoredMessage, 'properties' | 'msgId'>): string {
  return m.properties[PROPERTY.UNIQ_KEY] ?? m.properties[PROPERTY.ORIGIN_MESSAGE_ID] ?? m.msgId;
}
