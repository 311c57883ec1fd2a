/** What a flush policy drives: the commit log's written and durable positions. */
export interface Flushable {
  /** End of the bytes handed to the OS. */
  writtenOffset(): number;
  /** End of the bytes known durable. */
  flushedOffset(): number;
  /**
   * fdatasync everything written so far; resolves with the new flushed offset. Concurrent calls
   * share one fdatasync where they can (group commit).
   */
  flush(): Promise<number>;
}

/**
 * When appends are acknowledged and when the log is flushed. Two plugins: `flush-sync`
 * (group commit: an append resolves only after an fdatasync covering it) and `flush-async`
 * (flush every flushIntervalMs and on shutdown; appends resolve once written).
 */
export interface FlushPolicy {
  readonly mode: 'sync' | 'async';
  /** Called once by the store when the log opens. Starts timers for async policies. */
  attach(target: Flushable): void;
  /**
   * Called after the bytes up to `endOffset` were written. Resolves when the append covering them
   * may be acknowledged; rejects (CometError STORE_IO / STORE_FLUSH_TIMEOUT) if that cannot happen.
   */
  awaitDurable(endOffset: number): Promise<void>;
  /** Final flush and timer teardown; the store calls it before closing its files. */
  detach(): Promise<void>;
}
