import { assert } from '../../kernel/errors.js';

/** One delivery not yet acked: which attempt holds it and until when it stays invisible. */
export interface Inflight {
  attempt: number;
  invisibleUntil: number;
  /** Where the message sits in the commit log (for nack's send-back). */
  readonly physicalOffset: number;
}

export type OffsetStatus =
  | { readonly kind: 'inflight'; readonly entry: Inflight }
  | { readonly kind: 'done' }
  /** At or beyond the cursor and not acked ahead: never delivered as far as this state knows. */
  | { readonly kind: 'unseen' };

/** Persisted form: offsets, and in-flight rows `[offset, attempt, invisibleUntil, physicalOffset]`. */
export interface QueueSnapshot {
  readonly cursor: number;
  readonly inflight: readonly (readonly [number, number, number, number])[];
  readonly ahead: readonly number[];
}

type Due = readonly [due: number, offset: number, attempt: number];

/**
 * Pop progress of one (group, topic, queue). Every offset below `cursor` is either in flight or done,
 * so done offsets need no set: `committed` is the lowest in-flight offset, or the cursor. In-flight
 * entries are inserted in offset order, so the Map's first key is the lowest. `ahead` holds offsets
 * at or beyond the cursor acked by a handle the state had forgotten (lost in a crash); the cursor
 * skips them. A min-heap on invisible time finds redeliveries without scanning (stale rows are
 * dropped lazily).
 */
export class QueueState {
  private cursorValue: number;
  private readonly inflightMap = new Map<number, Inflight>();
  private readonly aheadSet = new Set<number>();
  private heap: Due[] = [];

  constructor(start: number) {
    this.cursorValue = start;
  }

  static restore(s: QueueSnapshot): QueueState {
    const q = new QueueState(s.cursor);
    const rows = [...s.inflight].filter((r) => r[0] < s.cursor).sort((a, b) => a[0] - b[0]);
    for (const [offset, attempt, invisibleUntil, physicalOffset] of rows) q.track(offset, { attempt, invisibleUntil, physicalOffset });
    for (const offset of s.ahead) if (offset >= s.cursor) q.aheadSet.add(offset);
    return q;
  }

  snapshot(): QueueSnapshot {
    return {
      cursor: this.cursorValue,
      inflight: [...this.inflightMap].map(([o, e]) => [o, e.attempt, e.invisibleUntil, e.physicalOffset] as const),
      ahead: [...this.aheadSet],
    };
  }

  get cursor(): number {
    return this.cursorValue;
  }

  /** Every offset below is done. */
  get committed(): number {
    const first = this.inflightMap.keys().next();
    return first.done === true ? this.cursorValue : first.value;
  }

  get inflightCount(): number {
    return this.inflightMap.size;
  }

  get aheadCount(): number {
    return this.aheadSet.size;
  }

  status(offset: number): OffsetStatus {
    if (offset < this.cursorValue) {
      const entry = this.inflightMap.get(offset);
      return entry === undefined ? { kind: 'done' } : { kind: 'inflight', entry };
    }
    return this.aheadSet.has(offset) ? { kind: 'done' } : { kind: 'unseen' };
  }

  entry(offset: number): Inflight | undefined {
    return this.inflightMap.get(offset);
  }

  /** Acked ahead of the cursor (the cursor will skip it). */
  isAhead(offset: number): boolean {
    return this.aheadSet.has(offset);
  }

  /** First delivery of the message at `offset` (≥ cursor); the cursor moves past it. */
  deliver(offset: number, physicalOffset: number, invisibleUntil: number): Inflight {
    assert(offset >= this.cursorValue, `delivery at ${offset} below the cursor ${this.cursorValue}`);
    const entry: Inflight = { attempt: 1, invisibleUntil, physicalOffset };
    this.advanceCursor(offset);
    this.track(offset, entry);
    this.cursorValue = offset + 1;
    return entry;
  }

  /**
   * Move the cursor to `to`: offsets skipped (filtered out, acked ahead, not ours) are done. Never
   * moves backwards.
   */
  advanceCursor(to: number): void {
    if (to <= this.cursorValue) return;
    for (const offset of this.aheadSet) if (offset < to) this.aheadSet.delete(offset);
    this.cursorValue = to;
  }

  /** The store holds less than this state saw (its tail was lost): forget what lies at or beyond `max`. */
  clampTo(max: number): void {
    if (max >= this.cursorValue) return;
    for (const offset of [...this.inflightMap.keys()]) if (offset >= max) this.inflightMap.delete(offset);
    this.aheadSet.clear();
    this.cursorValue = max;
  }

  /** New invisible time (and attempt) for an in-flight entry. */
  update(offset: number, entry: Inflight, attempt: number, invisibleUntil: number): void {
    entry.attempt = attempt;
    entry.invisibleUntil = invisibleUntil;
    this.pushDue(offset, entry);
  }

  /** Done: in flight → removed; unseen → remembered ahead (false when `aheadLimit` is reached). */
  markDone(offset: number, aheadLimit: number): boolean {
    if (offset < this.cursorValue) {
      this.inflightMap.delete(offset);
      return true;
    }
    if (this.aheadSet.has(offset)) return true;
    if (this.aheadSet.size >= aheadLimit) return false;
    this.aheadSet.add(offset);
    return true;
  }

  /** The lowest in-flight offset whose invisible time is ≤ now (the entry is left in place). */
  nextExpired(now: number): number | undefined {
    const top = this.validTop();
    return top !== undefined && top[0] <= now ? top[1] : undefined;
  }

  /** Earliest invisible-until among in-flight entries. */
  earliestDue(): number | undefined {
    return this.validTop()?.[0];
  }

  private track(offset: number, entry: Inflight): void {
    this.inflightMap.set(offset, entry);
    this.pushDue(offset, entry);
  }

  private pushDue(offset: number, entry: Inflight): void {
    if (this.heap.length > 2 * this.inflightMap.size + 64) this.rebuildHeap();
    heapPush(this.heap, [entry.invisibleUntil, offset, entry.attempt]);
  }

  private validTop(): Due | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      const entry = this.inflightMap.get(top[1]);
      if (entry !== undefined && entry.attempt === top[2] && entry.invisibleUntil === top[0]) return top;
      heapPop(this.heap);
    }
  }

  private rebuildHeap(): void {
    this.heap = [];
    for (const [offset, e] of this.inflightMap) heapPush(this.heap, [e.invisibleUntil, offset, e.attempt]);
  }
}

const before = (a: Due, b: Due): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

function heapPush(heap: Due[], item: Due): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: Due[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
    if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m]!, heap[i]!];
    i = m;
  }
}
