import type { IndexEntry } from '../../kernel/messaging/index-contract.js';
import type { ArrivalListener } from '../../kernel/messaging/store.js';
import { CQ_ENTRY_BYTES, type ConsumeQueue, writeCqEntry } from './consume-queue.js';
import type { IndexFeeder } from './index-feeder.js';

/** One record for the derived structures: what the append path knows, or what recovery decoded. */
export interface DispatchRequest extends IndexEntry {
  readonly tagCode: number;
}

/** Per-queue state: the consume queue (readable bounds) and the next offset to assign. */
export interface QueueState {
  readonly cq: ConsumeQueue;
  nextOffset: number;
}

/**
 * Turns records into consume-queue entries (which gates readability), feeds the index and wakes
 * arrival listeners. The append path and recovery both call dispatch().
 */
export class Dispatcher {
  /** Phys offset up to which records are dispatched (readable). */
  dispatchedOffset = 0;
  readonly listeners = new Set<ArrivalListener>();

  constructor(
    private readonly queueFor: (topic: string, queueId: number) => QueueState,
    private readonly feeder: IndexFeeder | undefined,
  ) {}

  /** Dispatch records (in log order) ending at `endOffset`. */
  dispatch(reqs: readonly DispatchRequest[], endOffset: number, notify = true): void {
    const groups = new Map<QueueState, DispatchRequest[]>();
    for (const r of reqs) {
      const q = this.queueFor(r.topic, r.queueId);
      const g = groups.get(q);
      if (g) g.push(r);
      else groups.set(q, [r]);
    }
    for (const [q, g] of groups) this.writeEntries(q, g);
    if (endOffset > this.dispatchedOffset) this.dispatchedOffset = endOffset;
    if (this.feeder) this.feeder.push(reqs, endOffset);
    if (!notify || this.listeners.size === 0) return;
    for (const q of groups.keys()) {
      for (const l of this.listeners) l(q.cq.topic, q.cq.queueId, q.cq.maxOffset);
    }
  }

  private writeEntries(q: QueueState, g: DispatchRequest[]): void {
    let runStart = 0;
    for (let i = 1; i <= g.length; i++) {
      if (i < g.length && g[i]!.queueOffset === g[i - 1]!.queueOffset + 1) continue;
      const n = i - runStart;
      const buf = Buffer.allocUnsafe(n * CQ_ENTRY_BYTES);
      for (let j = 0; j < n; j++) {
        const r = g[runStart + j]!;
        writeCqEntry(buf, j * CQ_ENTRY_BYTES, r.physicalOffset, r.size, r.tagCode);
      }
      q.cq.write(g[runStart]!.queueOffset, buf, n);
      runStart = i;
    }
  }
}
