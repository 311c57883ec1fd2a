import { createRequire } from 'node:module';

/**
 * The slice of `@nxtedition/rocksdb` (abstract-level 1.x API, buffer keys and values) this plugin uses.
 * The package ships no type declarations, so the shape is written down here, next to its only user,
 * instead of as a global ambient module.
 */
export interface RangeOptions {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse?: boolean;
  limit?: number;
}

export interface IteratorOptions extends RangeOptions {
  keys?: boolean;
  values?: boolean;
  fillCache?: boolean;
}

export interface RocksIterator {
  next(): Promise<[Buffer, Buffer] | undefined>;
  nextv(size: number): Promise<[Buffer, Buffer][]>;
  all(): Promise<[Buffer, Buffer][]>;
  seek(target: Buffer): void;
  close(): Promise<void>;
}

export interface RocksBatch {
  put(key: Buffer, value: Buffer): RocksBatch;
  del(key: Buffer): RocksBatch;
  write(): Promise<void>;
  close(): Promise<void>;
  readonly length: number;
}

export interface RocksDb {
  readonly status: 'opening' | 'open' | 'closing' | 'closed';
  open(options?: { createIfMissing?: boolean; errorIfExists?: boolean; passive?: boolean }): Promise<void>;
  close(): Promise<void>;
  get(key: Buffer): Promise<Buffer>;
  batch(): RocksBatch;
  iterator(options: IteratorOptions): RocksIterator;
  clear(options?: RangeOptions): Promise<void>;
}

interface RocksLevelCtor {
  new (location: string, options: { keyEncoding: 'buffer'; valueEncoding: 'buffer' }): RocksDb;
}

const require = createRequire(import.meta.url);
const { RocksLevel } = require('@nxtedition/rocksdb') as { RocksLevel: RocksLevelCtor };

/** Open (creating if missing) a RocksDB database in `dir` with buffer keys and values. */
export async function openRocksDb(dir: string): Promise<RocksDb> {
  const db = new RocksLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open({ createIfMissing: true });
  return db;
}

/** Read the first entry of a range (or undefined), closing the iterator. */
export async function firstEntry(db: RocksDb, options: IteratorOptions): Promise<[Buffer, Buffer] | undefined> {
  const it = db.iterator({ ...options, limit: 1 });
  try {
    return await it.next();
  } finally {
    await it.close();
  }
}
