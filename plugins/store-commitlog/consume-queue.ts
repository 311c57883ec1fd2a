import fs from 'node:fs';
import path from 'node:path';
import { type FileIO, O_RDWR_CREATE, readFullySync, writeFullySync } from './file-io.js';
import { CqTail } from './cq-tail.js';
import { segmentName } from './segments.js';

/** RocketMQ consume-queue entry: phys offset int64, size int32, tag code int64. */
export const CQ_ENTRY_BYTES = 20;
const TWO32 = 4294967296;
/** Entries a queue keeps in memory only before writing them to its file. */
const MAX_PENDING_ENTRIES = 1024;
/** Entries one file read fetches beyond what was asked (10 KiB): a lagging consumer's next reads. */
const READ_AHEAD_ENTRIES = 512;

export function writeCqEntry(buf: Buffer, at: number, phys: number, size: number, tagCode: number): void {
  buf.writeUInt32BE(Math.floor(phys / TWO32) >>> 0, at);
  buf.writeUInt32BE(phys >>> 0, at + 4);
  buf.writeInt32BE(size, at + 8);
  buf.writeInt32BE(tagCode < 0 ? -1 : 0, at + 12);
  buf.writeInt32BE(tagCode, at + 16);
}

export const cqPhys = (buf: Buffer, at: number): number => buf.readUInt32BE(at) * TWO32 + buf.readUInt32BE(at + 4);
export const cqSize = (buf: Buffer, at: number): number => buf.readInt32BE(at + 8);
export const cqTag = (buf: Buffer, at: number): number => buf.readInt32BE(at + 16);

interface PooledFd {
  fd: number;
  refs: number;
  dirty: boolean;
}

/**
 * Open consume-queue files, bounded (LRU). A dirty file evicted before its flush is remembered by
 * path and re-opened for the fdatasync.
 */
/** A queue holding entries not yet written to its file (see ConsumeQueue.write). */
interface PendingWriter {
  writePending(): void;
}

export class QueueFdPool {
  private readonly open = new Map<string, PooledFd>();
  private readonly dirtyClosed = new Set<string>();
  /** Queues with entries still to write; flush() writes them first. */
  readonly pending = new Set<PendingWriter>();

  constructor(
    private readonly io: FileIO,
    private readonly max: number,
  ) {}

  acquire(p: string): PooledFd {
    let e = this.open.get(p);
    if (e) {
      this.open.delete(p);
    } else {
      e = { fd: this.io.openSync(p, O_RDWR_CREATE), refs: 0, dirty: false };
      this.evict();
    }
    this.open.set(p, e);
    e.refs++;
    return e;
  }

  release(e: PooledFd): void {
    e.refs--;
  }

  private evict(): void {
    for (const [p, e] of this.open) {
      if (this.open.size < this.max) return;
      if (e.refs > 0) continue;
      this.open.delete(p);
      if (e.dirty) this.dirtyClosed.add(p);
      this.io.closeSync(e.fd);
    }
  }

  /** Close (without flushing) a file about to be deleted or truncated away. */
  forget(p: string): void {
    const e = this.open.get(p);
    this.dirtyClosed.delete(p);
    if (!e) return;
    this.open.delete(p);
    this.io.closeSync(e.fd);
  }

  /** Write every queue's pending entries. */
  writePending(): void {
    for (const q of this.pending) {
      q.writePending();
      this.pending.delete(q);
    }
  }

  /** Write the pending entries, then fdatasync every file written since the last flush. */
  async flush(): Promise<void> {
    this.writePending();
    const jobs: Promise<void>[] = [];
    for (const e of this.open.values()) {
      if (!e.dirty) continue;
      e.dirty = false;
      e.refs++;
      jobs.push(this.io.fdatasync(e.fd).finally(() => void e.refs--));
    }
    for (const p of [...this.dirtyClosed]) {
      this.dirtyClosed.delete(p);
      if (!fs.existsSync(p)) continue;
      const fd = await this.io.open(p, O_RDWR_CREATE);
      jobs.push(this.io.fdatasync(fd).finally(() => this.io.close(fd)));
    }
    await Promise.all(jobs);
  }

  async closeAll(): Promise<void> {
    for (const e of this.open.values()) await this.io.close(e.fd).catch(() => undefined);
    this.open.clear();
  }
}

/**
 * One (topic, queueId) consume queue: files of `entriesPerFile` fixed entries named by their start
 * byte offset. Only min/max offsets live in memory.
 */
export class ConsumeQueue {
  /** First offset still present (after retention). */
  minOffset = 0;
  /** One past the last entry written (readable). */
  maxOffset = 0;
  /** Start offsets (in entries) of the files present, ascending. */
  private files: number[] = [];
  private dirMade = false;
  /** The latest entries written, served to reads without touching the file. */
  private readonly tail: CqTail;
  /** The last read from the file, with the entries after it (READ_AHEAD_ENTRIES). */
  private ahead: { readonly offset: number; readonly buf: Buffer; readonly count: number } | undefined;
  /**
   * Entries written to memory (the tail) but not yet to the file: file writes are batched (at
   * most MAX_PENDING_ENTRIES, and always before a flush, a file read or a truncation).
   */
  private pending: { offset: number; buf: Buffer; count: number }[] = [];
  private pendingCount = 0;

  constructor(
    private readonly io: FileIO,
    private readonly pool: QueueFdPool,
    readonly topic: string,
    readonly queueId: number,
    readonly dir: string,
    private readonly perFile: number,
    tailEntries = 0,
  ) {
    this.tail = new CqTail(tailEntries);
  }

  private filePath(startEntry: number): string {
    return path.join(this.dir, segmentName(startEntry * CQ_ENTRY_BYTES));
  }

  /** Read the files present; max from the last file's size. */
  load(): void {
    if (!fs.existsSync(this.dir)) return;
    this.dirMade = true;
    const names = fs.readdirSync(this.dir).filter((n) => /^\d{20}$/.test(n)).sort();
    this.files = names.map((n) => Number(n) / CQ_ENTRY_BYTES);
    const last = this.files[this.files.length - 1];
    if (last === undefined) return;
    const size = fs.statSync(this.filePath(last)).size;
    this.maxOffset = last + Math.min(this.perFile, Math.floor(size / CQ_ENTRY_BYTES));
    this.minOffset = Math.min(this.files[0]!, this.maxOffset);
  }

  hasFiles(): boolean {
    return this.files.length > 0;
  }

  /**
   * Write `count` entries from `buf` (kept by reference) starting at queue offset `offset`: to the
   * in-memory tail now, to the file (page cache) in batches. Without a tail, to the file now.
   */
  write(offset: number, buf: Buffer, count: number): void {
    if (!this.dirMade) {
      fs.mkdirSync(this.dir, { recursive: true });
      this.dirMade = true;
    }
    this.tail.put(offset, buf, 0, count);
    this.pending.push({ offset, buf, count });
    this.pendingCount += count;
    if (offset + count > this.maxOffset) this.maxOffset = offset + count;
    if (!this.tail.enabled) return this.writePending();
    this.pool.pending.add(this);
    if (this.pendingCount < MAX_PENDING_ENTRIES) return;
    try {
      this.writePending();
    } catch {
      // Still pending (and readable from the tail): the next flush retries and reports the error.
    }
  }

  /** Write the pending entries to the file, contiguous runs coalesced into one write. */
  writePending(): void {
    while (this.pending.length > 0) {
      let n = 1;
      let count = this.pending[0]!.count;
      while (n < this.pending.length && this.pending[n]!.offset === this.pending[n - 1]!.offset + this.pending[n - 1]!.count) {
        count += this.pending[n]!.count;
        n++;
      }
      const run = this.pending.slice(0, n);
      const buf = n === 1 ? run[0]!.buf : Buffer.concat(run.map((p) => p.buf.subarray(0, p.count * CQ_ENTRY_BYTES)));
      this.writeFile(run[0]!.offset, buf, count);
      this.pending.splice(0, n);
      this.pendingCount -= count;
    }
  }

  private writeFile(offset: number, buf: Buffer, count: number): void {
    let done = 0;
    while (done < count) {
      const at = offset + done;
      const fileStart = Math.floor(at / this.perFile) * this.perFile;
      const n = Math.min(count - done, fileStart + this.perFile - at);
      const p = this.filePath(fileStart);
      if (this.files[this.files.length - 1] !== fileStart && !this.files.includes(fileStart)) {
        this.files.push(fileStart);
        this.files.sort((a, b) => a - b);
      }
      const e = this.pool.acquire(p);
      try {
        writeFullySync(this.io, e.fd, buf, done * CQ_ENTRY_BYTES, n * CQ_ENTRY_BYTES, (at - fileStart) * CQ_ENTRY_BYTES);
        e.dirty = true;
      } finally {
        this.pool.release(e);
      }
      done += n;
    }
  }

  /**
   * Entries [offset, offset+count) that lie in one file (count may shrink at a file end), on this
   * thread: the tail is in memory and a file read is a small page-cache read (below).
   */
  read(offset: number, count: number): { buf: Buffer; count: number } {
    const fileStart = Math.floor(offset / this.perFile) * this.perFile;
    const n = Math.min(count, fileStart + this.perFile - offset, this.maxOffset - offset);
    if (n <= 0) return { buf: Buffer.alloc(0), count: 0 };
    const held = this.tail.get(offset, n);
    if (held) return held;
    const a = this.ahead;
    if (a !== undefined && offset >= a.offset && offset + n <= a.offset + a.count) {
      const from = (offset - a.offset) * CQ_ENTRY_BYTES;
      return { buf: a.buf.subarray(from, from + n * CQ_ENTRY_BYTES), count: n };
    }
    this.writePending();
    if (!this.files.includes(fileStart)) return { buf: Buffer.alloc(0), count: 0 };
    // Read ahead: a consumer behind the tail asks for the next entries right after these.
    const want = Math.max(n, Math.min(READ_AHEAD_ENTRIES, fileStart + this.perFile - offset, this.maxOffset - offset));
    const buf = Buffer.allocUnsafe(want * CQ_ENTRY_BYTES);
    const e = this.pool.acquire(this.filePath(fileStart));
    try {
      // A consume-queue read is small (20 bytes an entry) and its file is hot in the page cache, as
      // RocketMQ's mmap'd consume queues are: read it on this thread. A trip through the libuv pool
      // cost more in wake-up latency than the read itself and stalled every pull behind it.
      const got = readFullySync(this.io, e.fd, buf, 0, buf.length, (offset - fileStart) * CQ_ENTRY_BYTES);
      const whole = Math.floor(got / CQ_ENTRY_BYTES);
      // Entries below maxOffset never change (until truncate/dropBelow, which forget this).
      this.ahead = whole > n ? { offset, buf, count: whole } : undefined;
      const k = Math.min(whole, n);
      return { buf: buf.subarray(0, k * CQ_ENTRY_BYTES), count: k };
    } finally {
      this.pool.release(e);
    }
  }

  /** One entry, or undefined. */
  entry(offset: number): { phys: number; size: number; tag: number } | undefined {
    if (offset < this.minOffset || offset >= this.maxOffset) return undefined;
    const { buf, count } = this.read(offset, 1);
    if (count < 1) return undefined;
    return { phys: cqPhys(buf, 0), size: cqSize(buf, 0), tag: cqTag(buf, 0) };
  }

  /**
   * First offset in [lo, maxOffset) whose entry has phys >= `phys` (entries with size 0 — holes
   * left by a crash — count as beyond). maxOffset if none.
   */
  lowerBoundPhys(phys: number, lo = this.minOffset): number {
    let hi = this.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = this.entryRaw(mid);
      if (e !== undefined && e.size > 0 && e.phys < phys) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private entryRaw(offset: number): { phys: number; size: number } | undefined {
    const { buf, count } = this.read(offset, 1);
    return count < 1 ? undefined : { phys: cqPhys(buf, 0), size: cqSize(buf, 0) };
  }

  /** Drop every entry at or beyond `offset` (recovery). */
  async truncate(offset: number): Promise<void> {
    if (offset >= this.maxOffset) return;
    this.ahead = undefined;
    this.writePending();
    this.tail.truncate(offset);
    for (const start of [...this.files]) {
      const p = this.filePath(start);
      if (start >= offset && start > 0 && start > this.minOffset) {
        this.pool.forget(p);
        await fs.promises.rm(p, { force: true });
        this.files = this.files.filter((f) => f !== start);
      } else if (start + this.perFile > offset) {
        await fs.promises.truncate(p, Math.max(0, offset - start) * CQ_ENTRY_BYTES);
      }
    }
    this.maxOffset = Math.max(offset, this.minOffset);
  }

  /** Retention: delete files whose entries all point below `minPhys`; move minOffset. */
  async dropBelow(minPhys: number): Promise<void> {
    this.writePending();
    while (this.files.length > 1) {
      const next = this.files[1]!;
      const lastOfFirst = this.entryRaw(next - 1);
      if (lastOfFirst === undefined || lastOfFirst.phys >= minPhys) break;
      const p = this.filePath(this.files[0]!);
      this.pool.forget(p);
      await fs.promises.rm(p, { force: true });
      this.files.shift();
      this.minOffset = next;
    }
    this.minOffset = this.lowerBoundPhys(minPhys, Math.max(this.minOffset, this.files[0] ?? 0));
    this.ahead = undefined;
  }
}
