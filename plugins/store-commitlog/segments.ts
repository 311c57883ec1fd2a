import fs from 'node:fs';
import path from 'node:path';
import { type FileIO, O_RDWR, O_RDWR_CREATE, readFully } from './file-io.js';

/** One commit-log segment file, named by its 20-digit starting physical offset. */
export interface Segment {
  readonly start: number;
  readonly size: number;
  readonly path: string;
  readonly fd: number;
  /** I/O in progress; a deleted segment closes its descriptor when this drops to 0. */
  refs: number;
  deleted: boolean;
}

export const segmentName = (offset: number): string => String(offset).padStart(20, '0');
const NAME_RE = /^\d{20}$/;

/**
 * The commit-log segment files. Segments are pre-sized with ftruncate at creation (a sparse file
 * on most file systems: it fixes the size and name; space is still allocated at write time, so
 * ENOSPC surfaces on the append write and is reported as STORE_IO).
 */
export class SegmentFiles {
  readonly segments: Segment[] = [];

  constructor(
    private readonly io: FileIO,
    readonly dir: string,
    readonly segmentBytes: number,
  ) {}

  async load(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const names = (await fs.promises.readdir(this.dir)).filter((n) => NAME_RE.test(n)).sort();
    for (const name of names) {
      const p = path.join(this.dir, name);
      const fd = await this.io.open(p, O_RDWR);
      const size = this.io.fsize(fd);
      if (size === 0) {
        await this.io.close(fd);
        await this.io.unlink(p);
        continue;
      }
      this.segments.push({ start: Number(name), size, path: p, fd, refs: 0, deleted: false });
    }
  }

  first(): Segment | undefined {
    return this.segments[0];
  }

  last(): Segment | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** Start of the segment that follows the one holding `offset` (or the first one). */
  nextStart(offset: number): number {
    const seg = this.find(offset);
    if (seg) return seg.start + seg.size;
    return Math.floor(offset / this.segmentBytes) * this.segmentBytes + (offset % this.segmentBytes === 0 ? 0 : this.segmentBytes);
  }

  /** End of the segment holding `offset`, or where a new one would end. */
  segmentEnd(offset: number): number {
    const seg = this.find(offset);
    if (seg) return seg.start + seg.size;
    return Math.floor(offset / this.segmentBytes) * this.segmentBytes + this.segmentBytes;
  }

  find(offset: number): Segment | undefined {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = segs[mid]!;
      if (offset < s.start) hi = mid - 1;
      else if (offset >= s.start + s.size) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  /** The segment starting at `start`, created (and ftruncated to segmentBytes) if missing. */
  async ensure(start: number): Promise<Segment> {
    const found = this.find(start);
    if (found) return found;
    const p = path.join(this.dir, segmentName(start));
    const fd = await this.io.open(p, O_RDWR_CREATE);
    try {
      await this.io.ftruncate(fd, this.segmentBytes);
    } catch (e) {
      await this.io.close(fd).catch(() => undefined);
      throw e;
    }
    const seg: Segment = { start, size: this.segmentBytes, path: p, fd, refs: 0, deleted: false };
    this.segments.push(seg);
    this.segments.sort((a, b) => a.start - b.start);
    return seg;
  }

  /** Positional read inside one segment; returns bytes read. */
  async read(offset: number, buf: Buffer, off: number, len: number): Promise<number> {
    const seg = this.find(offset);
    if (!seg) return 0;
    const n = Math.min(len, seg.start + seg.size - offset);
    seg.refs++;
    try {
      return await readFully(this.io, seg.fd, buf, off, n, offset - seg.start);
    } finally {
      this.release(seg);
    }
  }

  private release(seg: Segment): void {
    seg.refs--;
    if (seg.deleted && seg.refs === 0) this.io.closeSync(seg.fd);
  }

  /** Remove a segment file (its descriptor closes once in-flight reads finish). */
  async remove(seg: Segment): Promise<void> {
    const i = this.segments.indexOf(seg);
    if (i >= 0) this.segments.splice(i, 1);
    seg.deleted = true;
    await this.io.unlink(seg.path);
    if (seg.refs === 0) await this.io.close(seg.fd);
  }

  totalBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  async closeAll(): Promise<void> {
    for (const s of this.segments.splice(0)) {
      s.deleted = true;
      if (s.refs === 0) await this.io.close(s.fd).catch(() => undefined);
    }
  }
}
