import type { SegmentFiles } from './segments.js';

export const BLOCK_BYTES = 1024 * 1024;

interface Block {
  readonly start: number;
  /** The whole block's room (its length within the segment). */
  readonly buf: Buffer;
  /** Bytes read so far (written data); grows as the log grows past it (see extend()). */
  valid: number;
  /** An extend() read in flight. */
  extending: Promise<void> | undefined;
  /** Every byte came from this process's own writes (noteWritten), none from the file. */
  written: boolean;
}

/**
 * A bounded LRU of log blocks (1 MiB, aligned inside their segment), each filled with one read,
 * so sequential reads cost one syscall per block rather than per message. Views returned are
 * zero-copy slices of a block.
 */
export class BlockCache {
  private readonly blocks = new Map<number, Block>();
  private readonly loading = new Map<number, Promise<Block | undefined>>();
  private readonly capacity: number;
  private gen = 0;

  constructor(
    private readonly files: SegmentFiles,
    capacityBytes: number,
    /** End of the bytes written to the log (readable with pread). */
    private readonly writtenEnd: () => number,
    private readonly blockBytes = BLOCK_BYTES,
  ) {
    this.capacity = Math.floor(capacityBytes / blockBytes);
  }

  /** `len` bytes at `offset` (inside one segment), or undefined when past the written end. */
  async read(offset: number, len: number): Promise<Buffer | undefined> {
    if (offset + len > this.writtenEnd()) return undefined;
    if (this.capacity === 0) return this.direct(offset, len);
    const seg = this.files.find(offset);
    if (!seg) return undefined;
    const start = seg.start + Math.floor((offset - seg.start) / this.blockBytes) * this.blockBytes;
    const blockLen = Math.min(this.blockBytes, seg.start + seg.size - start);
    if (offset + len > start + blockLen) return this.direct(offset, len);
    let block = this.hit(start);
    if (!block) {
      const filling = this.fill(start, blockLen);
      this.readAhead(start + blockLen, seg.start + seg.size);
      block = await filling;
      if (!block) return undefined;
    }
    // The block was read while the log ended inside it: read only the bytes written since.
    if (block.start + block.valid < offset + len) await this.extend(block, offset + len - start);
    if (block.start + block.valid < offset + len) return this.direct(offset, len);
    return block.buf.subarray(offset - start, offset - start + len);
  }

  /**
   * Write-through: `len` bytes of `src` just written at `offset` (inside one segment) extend the
   * cached block they continue, or start a new block when they begin one, so reads at the head of
   * the log are served from memory.
   */
  noteWritten(offset: number, src: Buffer, len: number): void {
    if (this.capacity === 0 || len <= 0) return;
    const seg = this.files.find(offset);
    if (!seg) return;
    for (let done = 0; done < len; ) {
      const at = offset + done;
      const start = seg.start + Math.floor((at - seg.start) / this.blockBytes) * this.blockBytes;
      const n = Math.min(len - done, start + Math.min(this.blockBytes, seg.start + seg.size - start) - at);
      let b = this.blocks.get(start);
      if (!b && at === start && !this.loading.has(start)) {
        b = { start, buf: Buffer.allocUnsafeSlow(Math.min(this.blockBytes, seg.start + seg.size - start)), valid: 0, extending: undefined, written: true };
        this.insert(b);
      }
      if (b && b.extending === undefined && b.start + b.valid === at) {
        src.copy(b.buf, at - start, done, done + n);
        b.valid += n;
      }
      done += n;
    }
  }

  private insert(block: Block): void {
    this.blocks.set(block.start, block);
    while (this.blocks.size > this.capacity) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
  }

  /**
   * Like peek, but only from a block that holds nothing but this process's own writes (their records
   * were checksummed as they were encoded; readers skip the body CRC for them).
   */
  peekWritten(offset: number, len: number): Buffer | undefined {
    return this.view(offset, len, true);
  }

  /** Synchronous fast path: the bytes if their block is cached, else undefined. */
  peek(offset: number, len: number): Buffer | undefined {
    return this.view(offset, len, false);
  }

  private view(offset: number, len: number, ownWritesOnly: boolean): Buffer | undefined {
    if (this.capacity === 0) return undefined;
    const seg = this.files.find(offset);
    if (!seg) return undefined;
    const start = seg.start + Math.floor((offset - seg.start) / this.blockBytes) * this.blockBytes;
    const b = this.blocks.get(start);
    if (!b || (ownWritesOnly && !b.written) || offset + len > start + b.valid) return undefined;
    return b.buf.subarray(offset - start, offset - start + len);
  }

  /** Sequential readers: start reading the next block while this one is consumed. */
  private readAhead(start: number, segEnd: number): void {
    if (start >= segEnd || start >= this.writtenEnd() || this.blocks.has(start) || this.loading.has(start)) return;
    this.fill(start, Math.min(this.blockBytes, segEnd - start)).catch(() => undefined);
  }

  private hit(start: number): Block | undefined {
    const b = this.blocks.get(start);
    if (b) {
      this.blocks.delete(start);
      this.blocks.set(start, b);
    }
    return b;
  }

  private fill(start: number, blockLen: number): Promise<Block | undefined> {
    const pending = this.loading.get(start);
    if (pending) return pending;
    const gen = this.gen;
    const p = (async (): Promise<Block | undefined> => {
      const want = Math.min(blockLen, this.writtenEnd() - start);
      if (want <= 0) return undefined;
      const buf = Buffer.allocUnsafeSlow(blockLen);
      const n = await this.files.read(start, buf, 0, want);
      const block: Block = { start, buf, valid: n, extending: undefined, written: false };
      if (gen !== this.gen) return block;
      this.insert(block);
      return block;
    })().finally(() => this.loading.delete(start));
    this.loading.set(start, p);
    return p;
  }

  /** Read the block's bytes written since it was filled, until `need` bytes are valid (or no progress). */
  private async extend(block: Block, need: number): Promise<void> {
    while (block.valid < need) {
      const before = block.valid;
      if (block.extending === undefined) {
        const want = Math.min(block.buf.length, this.writtenEnd() - block.start);
        if (want <= before) return;
        block.written = false;
        block.extending = this.files
          .read(block.start + before, block.buf, before, want - before)
          .then((n) => void (block.valid = Math.max(block.valid, before + n)))
          .finally(() => void (block.extending = undefined));
      }
      await block.extending;
      if (block.valid <= before) return;
    }
  }

  private async direct(offset: number, len: number): Promise<Buffer | undefined> {
    const buf = Buffer.allocUnsafe(len);
    const n = await this.files.read(offset, buf, 0, len);
    return n === len ? buf : undefined;
  }

  /** Forget blocks overlapping [from, to) (rollback after an I/O failure, retention). */
  invalidate(from: number, to = Number.MAX_SAFE_INTEGER): void {
    this.gen++;
    for (const [start, b] of this.blocks) {
      if (start < to && start + b.buf.length > from) this.blocks.delete(start);
    }
    for (const start of this.loading.keys()) {
      if (start < to && start + this.blockBytes > from) this.loading.delete(start);
    }
  }

  clear(): void {
    this.blocks.clear();
  }
}
