import type { Logger } from 'pino';
import type { IndexEntry, MessageIndex } from '../../kernel/messaging/index-contract.js';
import { dispatchRequestOf, scanLog } from './log-scan.js';
import type { SegmentFiles } from './segments.js';

const ADD_CHUNK = 4096;
const RETRY_MS = 1000;
/**
 * How long a short queue waits for more entries before it is written: one index write per interval
 * instead of one per append batch (lookups see a message at most this much after its ack).
 */
export const INDEX_LINGER_MS = 10;
/** Log bytes read per catch-up round (bounds memory). */
const CATCH_UP_BYTES = 32 * 1024 * 1024;

/**
 * Feeds the optional MessageIndex from a bounded in-memory queue. Appends never wait on it: when
 * the index lags beyond `maxQueued` entries the queue is dropped and the feeder catches up by
 * reading the log from index.indexedUpTo() (index.add is idempotent), then resumes the queue.
 */
export class IndexFeeder {
  private queue: IndexEntry[] = [];
  /** Log offset the queue continues from; -1 while catching up from the log. */
  private lagging = true;
  private running: Promise<void> | undefined;
  private active = false;
  private stopping = false;
  private stopped = false;
  private lingering: { timer: NodeJS.Timeout; wake: () => void } | undefined;

  constructor(
    private readonly index: MessageIndex,
    private readonly files: SegmentFiles,
    private readonly dispatchedOffset: () => number,
    private readonly maxQueued: number,
    private readonly logger: Logger,
  ) {}

  /** Start (or restart) by catching up from the index's own progress. */
  start(): void {
    this.stopping = this.stopped = false;
    this.lagging = true;
    this.queue = [];
    this.kick();
  }

  push(entries: readonly IndexEntry[], _endOffset: number): void {
    if (this.lagging || this.stopped) return;
    if (this.queue.length + entries.length > this.maxQueued) {
      this.queue = [];
      this.lagging = true;
    } else {
      for (const e of entries) this.queue.push(e);
      if (this.queue.length >= ADD_CHUNK) this.lingering?.wake();
    }
    this.kick();
  }

  private kick(): void {
    if (this.active || this.stopped) return;
    this.active = true;
    this.running = this.loop();
  }

  /** Runs until nothing is left; `active` drops synchronously with the last check. */
  private async loop(): Promise<void> {
    for (;;) {
      try {
        if (this.stopped || (this.stopping && this.lagging)) break;
        if (this.lagging) {
          await this.catchUp();
          continue;
        }
        if (this.queue.length === 0) break;
        if (this.queue.length < ADD_CHUNK && !this.stopping) await this.linger();
        const chunk = this.queue.splice(0, ADD_CHUNK);
        await this.index.add(chunk);
      } catch (e) {
        this.logger.warn({ err: e }, 'index feed failed; will catch up from the log');
        this.lagging = true;
        this.queue = [];
        if (this.stopping) break;
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
    this.active = false;
  }

  private async catchUp(): Promise<void> {
    const from = Math.max(await this.index.indexedUpTo(), this.files.first()?.start ?? 0);
    const to = Math.min(this.dispatchedOffset(), from + CATCH_UP_BYTES);
    if (from >= to) {
      this.lagging = false;
      this.queue = [];
      return;
    }
    let batch: IndexEntry[] = [];
    const pending: IndexEntry[][] = [];
    const stop = await scanLog(
      this.files,
      from,
      (view, phys) => {
        batch.push(dispatchRequestOf(view, phys));
        if (batch.length >= ADD_CHUNK) {
          pending.push(batch);
          batch = [];
        }
        return true;
      },
      to,
    );
    if (batch.length > 0) pending.push(batch);
    for (const b of pending) await this.index.add(b);
    // Entries dispatched while we scanned are picked up by the next round.
    if (stop.end >= this.dispatchedOffset()) {
      this.lagging = false;
      this.queue = [];
    }
  }

  /** Wait INDEX_LINGER_MS, or less when stop() or a full chunk cuts it short. */
  private linger(): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.lingering === undefined) return;
        clearTimeout(this.lingering.timer);
        this.lingering = undefined;
        resolve();
      };
      this.lingering = { timer: setTimeout(wake, INDEX_LINGER_MS), wake };
    });
  }

  /** Drain what is queued (close). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.lingering?.wake();
    await this.running;
    this.stopped = true;
  }
}
