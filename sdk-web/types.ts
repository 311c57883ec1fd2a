import type { CometError } from './errors.js';

/** Public and wire types of the browser SDK (the wire shapes follow the broker's docs/websocket.md). */

/** A message to produce. Give `body` (text or bytes) or `json` (sent as its JSON text), not both. */
export interface ProduceMessage {
  /** Text goes as UTF-8, bytes (Uint8Array, any typed array, ArrayBuffer) as base64 on the wire. */
  readonly body?: string | Uint8Array | ArrayBuffer | ArrayBufferView;
  /** Any JSON-serialisable value; stored as its UTF-8 JSON text (read it back with `message.json()`). */
  readonly json?: unknown;
  readonly tag?: string;
  /** Business keys, indexed by the broker (query by key). */
  readonly keys?: string | readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  /** Messages with the same sharding key go to the same queue, in order. */
  readonly shardingKey?: string;
  /** RocketMQ delay level (1 = 1 s, 2 = 5 s, … as the broker's delayLevels). */
  readonly delayLevel?: number;
  /** Deliver at this time (epoch ms or a Date) instead of a delay level. */
  readonly deliverAt?: number | Date;
}

/** `produce()` takes text, bytes or a ProduceMessage (or an array of them). */
export type ProduceInput = string | Uint8Array | ArrayBuffer | ProduceMessage;

export interface WireProduceMessage {
  readonly body: string;
  readonly encoding: 'utf8' | 'base64';
  readonly tag?: string;
  readonly keys?: readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  readonly shardingKey?: string;
  readonly delayLevel?: number;
  readonly deliverAt?: number;
}

/** Where one produced message was stored. */
export interface ProducedMessage {
  readonly status: 'ok';
  readonly msgId: string;
  readonly queueId: number;
  readonly queueOffset: number;
}

/** One message of a produce call the broker did not store (the others of the batch may be stored). */
export interface RejectedMessage {
  readonly status: 'rejected';
  readonly error: CometError;
}

/** Per message, in the order given. */
export type ProduceResult = ProducedMessage | RejectedMessage;

export interface ProduceOptions {
  /** 'http' (default): one fetch POST. 'ws': over the client's shared WebSocket. */
  readonly transport?: 'http' | 'ws';
  readonly signal?: AbortSignal;
}

/** Where a broadcasting subscription starts: queueId → offset, or the ends of the queues. */
export type SubscribeFrom = 'earliest' | 'latest' | Readonly<Record<string, number>>;

export interface SubscribeOptions {
  readonly topic: string;
  /** The consumer group (required for clustering, which shares the topic's messages among the group). */
  readonly group?: string;
  /** Tag expression: `*` (default), `a`, `a || b`. */
  readonly tags?: string;
  /** 'clustering' (default): each message to one subscriber of the group; 'broadcasting': to each. */
  readonly mode?: 'clustering' | 'broadcasting';
  /** How many delivered, unacked messages the broker may push before waiting (default 32). */
  readonly credits?: number;
  /** Clustering: redelivery time of an unacked message (broker default 30 s when absent). */
  readonly ackTimeoutMs?: number;
  /** Broadcasting: where to start (default 'latest': new messages only). */
  readonly from?: SubscribeFrom;
}

/** A `message` frame pushed by the broker. */
export interface WireMessageFrame {
  readonly op: 'message';
  readonly subscription: string;
  readonly handle: string;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly msgId: string;
  readonly tag?: string | null;
  readonly keys?: readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  readonly body: string;
  readonly encoding: 'utf8' | 'base64';
  readonly deliveryAttempt: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
}

export interface WireErrorBody {
  readonly code: string;
  readonly message: string;
}

export type ServerFrame =
  | { readonly op: 'produced'; readonly id: string; readonly results: readonly unknown[] }
  | { readonly op: 'subscribed'; readonly id: string; readonly subscription: string }
  | WireMessageFrame
  | { readonly op: 'error'; readonly id?: string; readonly subscription?: string; readonly error: WireErrorBody }
  /** The broker ended a subscription (topic deleted, permission revoked). */
  | { readonly op: 'unsubscribed'; readonly subscription: string; readonly error: WireErrorBody };

export type ClientFrame =
  | { readonly op: 'produce'; readonly id: string; readonly topic: string; readonly messages: readonly WireProduceMessage[] }
  | {
      readonly op: 'subscribe';
      readonly id: string;
      readonly topic: string;
      readonly group?: string;
      readonly tags: string;
      readonly mode: 'clustering' | 'broadcasting';
      readonly credits: number;
      readonly ackTimeoutMs?: number;
      readonly from?: SubscribeFrom;
    }
  | { readonly op: 'ack'; readonly subscription: string; readonly handle: string }
  | { readonly op: 'nack'; readonly subscription: string; readonly handle: string; readonly delayLevel?: number }
  | { readonly op: 'credit'; readonly subscription: string; readonly credits: number }
  | { readonly op: 'unsubscribe'; readonly subscription: string };
