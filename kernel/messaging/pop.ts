import type { Identity } from './auth.js';
import type { StoredMessage } from './message.js';
import type { TagFilter } from './tags.js';

/**
 * Pop-style consumption (RocketMQ 5 "pop", SQS-like): a consumer without a session receives
 * messages for a group, each with a receipt handle and an invisible time; it acks, nacks or extends
 * by handle from any connection. What is not acked becomes visible again after its invisible time.
 * The HTTP door's receive/ack/nack/extend and the WebSocket door's clustering subscriptions use it.
 *
 * State per (group, topic, queue): the committed offset (everything below is acked; it is also the
 * group's consume offset that admin and lag report), a cursor (next offset never delivered), the
 * in-flight deliveries (offset → attempt, invisible-until) and the acks above the committed offset.
 * It survives a restart (persisted at most `persistIntervalMs` behind, and at stop); after a crash
 * the last interval may be delivered again (at-least-once), never lost.
 */
export interface PopReceiveRequest {
  readonly group: string;
  readonly topic: string;
  /** 1 … 256. */
  readonly max: number;
  /** How long a received message stays invisible to other receives: 1 ms … 12 h. */
  readonly invisibleMs: number;
  /** Long poll: answer as soon as one message is available, or empty after waitMs (0 … 60 000). */
  readonly waitMs: number;
  /** Tag expression already parsed (`*` when absent); non-matching messages are acked silently. */
  readonly filter?: TagFilter;
  readonly signal?: AbortSignal;
}

export interface PoppedMessage {
  /** The stored record (for a retry, the retry topic's copy). */
  readonly message: StoredMessage;
  /** The topic the consumer subscribed to (the original topic also for `%RETRY%<group>` copies). */
  readonly topic: string;
  /** Opaque, URL-safe; enough to ack/nack/extend from any connection, also after a restart. */
  readonly receiptHandle: string;
  /** 1 for the first delivery, +1 for each redelivery after an invisible time ran out. */
  readonly deliveryAttempt: number;
  /** Epoch ms when the message becomes visible again unless acked or extended. */
  readonly invisibleUntil: number;
}

export interface PopNackOptions {
  /**
   * RocketMQ delay level for the retry (1 … N of the broker's levels); 0 or absent = the group's
   * policy (3 + reconsume times, as a consumer send-back); after maxReconsumeTimes it goes to the DLQ.
   */
  readonly delayLevel?: number;
}

export type PopNackResult = { readonly status: 'retry' | 'dlq'; readonly topic: string };

export interface PopService {
  receive(request: PopReceiveRequest, identity?: Identity): Promise<PoppedMessage[]>;
  /**
   * Idempotent: acking an already acked message is fine. RECEIPT_HANDLE_EXPIRED when the message was
   * delivered again since (a newer handle exists); RECEIPT_HANDLE_INVALID for a malformed handle or
   * one of another group.
   */
  ack(group: string, receiptHandle: string, identity?: Identity): Promise<void>;
  /** Send the message to `%RETRY%<group>` (or the DLQ) through Messaging.sendBack, then ack it. */
  nack(group: string, receiptHandle: string, options?: PopNackOptions, identity?: Identity): Promise<PopNackResult>;
  /** New invisible time from now (0 = visible at once, e.g. a disconnected WebSocket). Same errors as ack. */
  extend(group: string, receiptHandle: string, invisibleMs: number, identity?: Identity): Promise<{ readonly receiptHandle: string; readonly invisibleUntil: number }>;
}
