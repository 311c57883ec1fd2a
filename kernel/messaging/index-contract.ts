/** What the dispatcher hands the index for each record, in log order. */
export interface IndexEntry {
  readonly physicalOffset: number;
  readonly size: number;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly storeTimestamp: number;
  readonly keys: readonly string[];
  /** Client-generated message id (property UNIQ_KEY), when a client set one. */
  readonly uniqKey: string | undefined;
}

export interface IndexPage {
  readonly limit: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  readonly cursor?: string;
  /** Only records stored at or after / before these times (ms). */
  readonly beginTimestamp?: number;
  readonly endTimestamp?: number;
}

export interface IndexHits {
  /** Physical offsets of candidate records, oldest first. Callers verify each against the log. */
  readonly physicalOffsets: readonly number[];
  /** Present when more hits may follow. */
  readonly nextCursor?: string;
}

export interface TimeIndexHit {
  readonly queueOffset: number;
  readonly storeTimestamp: number;
}

/**
 * A derived index over the commit log: lookups by business key, by client message id (UNIQ_KEY)
 * and queue-offset lookup by store time. It can be rebuilt from the log at any time: results are
 * candidates that callers verify against the record.
 */
export interface MessageIndex {
  /** Index a batch of records (in log order). Durable progress is recorded with the batch. */
  add(entries: readonly IndexEntry[]): Promise<void>;
  /** Every record below this physical offset is indexed (0 for a fresh index). */
  indexedUpTo(): Promise<number>;
  byKey(topic: string, key: string, page: IndexPage): Promise<IndexHits>;
  byUniqKey(topic: string | undefined, uniqKey: string, page: IndexPage): Promise<IndexHits>;
  /** The latest indexed time point at or before `timestamp` for a queue (a floor), if any. */
  floorByTime(topic: string, queueId: number, timestamp: number): Promise<TimeIndexHit | undefined>;
  /** Drop entries for records stored before this time (retention). */
  deleteBefore(timestamp: number): Promise<void>;
  /** Forget everything (full rebuild from the log follows). */
  clear(): Promise<void>;
}
