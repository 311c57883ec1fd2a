/** Bytes of one consume-queue entry (same as consume-queue.ts CQ_ENTRY_BYTES). */
const CQ_ENTRY_BYTES = 20;

const INITIAL_ENTRIES = 64;

/**
 * The most recent consume-queue entries of one queue, in memory (a ring that grows by doubling up
 * to `maxEntries`), so pulls near the head of a queue do not read its file. It mirrors what
 * ConsumeQueue.write() writes: a contiguous range [start, end) of offsets. A write that is not
 * contiguous with (or inside) the range restarts it; truncation shortens it.
 */
export class CqTail {
  private ring: Buffer = Buffer.alloc(0);
  private cap = 0;
  /** First offset held. */
  private start = 0;
  /** One past the last offset held (start === end: empty). */
  private end = 0;

  constructor(private readonly maxEntries: number) {}

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  /** Mirror a write of `count` entries from `buf` (at byte `from`) at queue offset `offset`. */
  put(offset: number, buf: Buffer, from: number, count: number): void {
    if (this.maxEntries <= 0 || count <= 0) return;
    if (offset < this.start || offset > this.end) {
      this.start = offset;
      this.end = offset;
    }
    let src = from;
    let at = offset;
    if (count > this.maxEntries) {
      src += (count - this.maxEntries) * CQ_ENTRY_BYTES;
      at += count - this.maxEntries;
      this.start = at;
      this.end = at;
    }
    const last = offset + count;
    this.ensure(Math.max(this.end, last) - this.start);
    for (; at < last; at++, src += CQ_ENTRY_BYTES) {
      const slot = (at % this.cap) * CQ_ENTRY_BYTES;
      buf.copy(this.ring, slot, src, src + CQ_ENTRY_BYTES);
    }
    if (last > this.end) this.end = last;
    if (this.end - this.start > this.cap) this.start = this.end - this.cap;
  }

  /** Room for `want` entries (grown by doubling up to maxEntries). */
  private ensure(want: number): void {
    if (want <= this.cap || this.cap >= this.maxEntries) return;
    let cap = Math.max(this.cap, INITIAL_ENTRIES);
    while (cap < want && cap < this.maxEntries) cap *= 2;
    cap = Math.min(cap, this.maxEntries);
    const ring = Buffer.alloc(cap * CQ_ENTRY_BYTES);
    for (let o = Math.max(this.start, this.end - cap); o < this.end; o++) {
      const from = (o % this.cap) * CQ_ENTRY_BYTES;
      this.ring.copy(ring, (o % cap) * CQ_ENTRY_BYTES, from, from + CQ_ENTRY_BYTES);
    }
    this.ring = ring;
    this.cap = cap;
    if (this.end - this.start > cap) this.start = this.end - cap;
  }

  /** Up to `count` entries from `offset` (a copy), or undefined when `offset` is not held. */
  get(offset: number, count: number): { buf: Buffer; count: number } | undefined {
    if (offset < this.start || offset >= this.end || count <= 0) return undefined;
    const n = Math.min(count, this.end - offset);
    const out = Buffer.allocUnsafe(n * CQ_ENTRY_BYTES);
    const first = offset % this.cap;
    const run = Math.min(n, this.cap - first);
    this.ring.copy(out, 0, first * CQ_ENTRY_BYTES, (first + run) * CQ_ENTRY_BYTES);
    if (run < n) this.ring.copy(out, run * CQ_ENTRY_BYTES, 0, (n - run) * CQ_ENTRY_BYTES);
    return { buf: out, count: n };
  }

  /** Forget every entry at or beyond `offset`. */
  truncate(offset: number): void {
    if (offset < this.end) this.end = Math.max(offset, this.start);
    if (this.end <= this.start) this.start = this.end;
  }
}
