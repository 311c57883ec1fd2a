import { CometError } from '../errors.js';
import type { AppendInput, StoredMessage } from './message.js';
import type { TagFilter } from './tags.js';

/** Where a stored message landed. `msgId` = store host + physical offset (rocketmq-protocol.md §3.4). */
export interface AppendOk {
  readonly status: 'ok';
  readonly msgId: string;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly storeTimestamp: number;
  readonly size: number;
}

/** Not stored. Nothing of it reached the log's acknowledged range. */
export interface AppendRejected {
  readonly status: 'rejected';
  readonly error: CometError;
}

export type AppendResult = AppendOk | AppendRejected;

/** Common to every read answer: the queue's bounds at the time of the read. */
interface ReadBounds {
  /** Where the next read should start. */
  readonly nextOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
}

/**
 * found       — at least one message matched.
 * empty       — offset == maxOffset: caught up (long-poll here).
 * filtered    — every message scanned was filtered out by tag; continue at nextOffset.
 * offsetMoved — offset < minOffset (removed by retention) or > maxOffset; nextOffset is the corrected start.
 * noQueue     — no such queue (topic unknown to the store or queue never written).
 */
export type ReadResult =
  | (ReadBounds & { readonly status: 'found'; readonly messages: readonly StoredMessage[] })
  | (ReadBounds & { readonly status: 'empty' | 'filtered' | 'offsetMoved' })
  | { readonly status: 'noQueue'; readonly nextOffset: 0; readonly minOffset: 0; readonly maxOffset: 0 };

export interface ReadRequest {
  readonly topic: string;
  readonly queueId: number;
  readonly offset: number;
  /** Max messages to return (also bounded by maxBytes). */
  readonly max: number;
  /** Upper bound on returned bytes; defaults to the store's maxReadBytes (256 KiB like RocketMQ). */
  readonly maxBytes?: number;
  readonly filter?: TagFilter;
}

/** Called after new messages become readable (dispatched to their consume queue). */
export type ArrivalListener = (topic: string, queueId: number, maxOffset: number) => void;

export interface QueueBounds {
  readonly topic: string;
  readonly queueId: number;
  readonly minOffset: number;
  readonly maxOffset: number;
}

export interface StoreStats {
  readonly minPhysicalOffset: number;
  /** Bytes written to the log (end of the last record). */
  readonly writtenOffset: number;
  /** Bytes known durable on disk. */
  readonly flushedOffset: number;
  /** Bytes dispatched to consume queues (readable). */
  readonly dispatchedOffset: number;
  readonly segmentCount: number;
  readonly writable: boolean;
}

/**
 * The message store: one append-only commit log for every topic plus per-queue consume queues.
 * The log is the truth; consume queues and the index are derived from it and rebuilt on recovery.
 */
export interface MessageStore {
  /**
   * Append one message to (topic, queueId). Resolves when the flush policy says the message is
   * acknowledged (sync: after an fdatasync covering it). Queue offsets are assigned in call order.
   */
  append(input: AppendInput): Promise<AppendResult>;
  /**
   * Append several messages; each gets its own result. Validation failures reject only that message;
   * an I/O failure rejects every message of the batch that was not acknowledged. With
   * `allOrNothing`, one message failing validation stores none: see batchRejected().
   */
  appendBatch(inputs: readonly AppendInput[], options?: AppendBatchOptions): Promise<AppendResult[]>;
  read(request: ReadRequest): Promise<ReadResult>;
  /** The message at a physical offset (for msgId lookups and send-back), or undefined. */
  lookup(physicalOffset: number): Promise<StoredMessage | undefined>;
  /** The message at a queue offset, or undefined (removed, or beyond max). */
  lookupByQueueOffset(topic: string, queueId: number, queueOffset: number): Promise<StoredMessage | undefined>;
  minOffset(topic: string, queueId: number): number;
  /** One past the last readable queue offset (RocketMQ maxOffset). */
  maxOffset(topic: string, queueId: number): number;
  /** Every queue the store holds data for. */
  queues(): readonly QueueBounds[];
  /** Store timestamp of the message at a queue offset (undefined if none). */
  storeTimeAt(topic: string, queueId: number, queueOffset: number): Promise<number | undefined>;
  /** Smallest queue offset whose store time is >= timestamp (maxOffset if none). */
  offsetByTime(topic: string, queueId: number, timestamp: number): Promise<number>;
  onArrival(listener: ArrivalListener): () => void;
  stats(): StoreStats;
}

export interface AppendBatchOptions {
  /** Validate every message first and store none if one fails (RocketMQ batch semantics). */
  readonly allOrNothing?: boolean;
}

/**
 * The results of an all-or-nothing batch that stored nothing: each invalid message keeps its own
 * error, every other one gets BATCH_REJECTED naming the first culprit.
 */
export function batchRejected(errors: readonly (CometError | undefined)[], culprit: number): AppendRejected[] {
  const first = errors[culprit]!;
  const other = new CometError('BATCH_REJECTED', `nothing of the batch was stored: message ${culprit} was rejected (${first.code}: ${first.message})`);
  return errors.map((e) => ({ status: 'rejected', error: e ?? other }));
}
