import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { type FileIO, O_RDWR_CREATE, writeFully } from './file-io.js';
import { readInt64, writeInt64 } from '../../kernel/messaging/record.js';

/** Recovery starting point, written after consume-queue flushes. */
export interface Checkpoint {
  /** Log bytes known durable when written. */
  readonly logFlushedOffset: number;
  /** Phys offset below which every record's consume-queue entry is flushed (a record boundary). */
  readonly cqDispatchedOffset: number;
  /** Log end at a clean close; -1 while running. */
  readonly logEndOffset: number;
  readonly timestamp: number;
}

const MAGIC = 0x434d5143; // "CMQC"
const SIZE = 48;

/**
 * A fixed 48-byte file rewritten in place with one pwrite + fdatasync; a CRC detects a torn
 * write (then the checkpoint is ignored and recovery scans from the first segment).
 */
export class CheckpointFile {
  private fd: number | undefined;

  constructor(
    private readonly io: FileIO,
    private readonly path: string,
  ) {}

  static read(path: string): Checkpoint | undefined {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path);
    } catch {
      return undefined;
    }
    if (buf.length < SIZE || buf.readUInt32BE(0) !== MAGIC) return undefined;
    if ((crc32(buf.subarray(0, SIZE - 4)) >>> 0) !== buf.readUInt32BE(SIZE - 4)) return undefined;
    return {
      logFlushedOffset: readInt64(buf, 8),
      cqDispatchedOffset: readInt64(buf, 16),
      logEndOffset: readInt64(buf, 24),
      timestamp: readInt64(buf, 32),
    };
  }

  async write(cp: Checkpoint): Promise<void> {
    const buf = Buffer.alloc(SIZE);
    buf.writeUInt32BE(MAGIC, 0);
    buf.writeUInt32BE(1, 4);
    writeInt64(buf, 8, cp.logFlushedOffset);
    writeInt64(buf, 16, cp.cqDispatchedOffset);
    writeInt64(buf, 24, cp.logEndOffset);
    writeInt64(buf, 32, cp.timestamp);
    buf.writeUInt32BE(crc32(buf.subarray(0, SIZE - 4)) >>> 0, SIZE - 4);
    this.fd ??= await this.io.open(this.path, O_RDWR_CREATE);
    await writeFully(this.io, this.fd, buf, 0, SIZE, 0);
    await this.io.fdatasync(this.fd);
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) await this.io.close(this.fd);
    this.fd = undefined;
  }
}
