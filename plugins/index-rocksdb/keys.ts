/**
 * Binary key layout of the RocksDB message index. Numbers are big-endian so that byte order equals
 * numeric order; strings are UTF-8 terminated by 0x00 (topic names cannot contain NUL, and a key or
 * uniq key containing NUL is told apart by the fixed length of what follows, see `parseHitKey`).
 *
 *   K | bucket u32 | topic | 00 | key     | 00 | phys u64  → storeTimestamp u64
 *   U | bucket u32 | uniqKey          | 00 | phys u64      → storeTimestamp u64 | topic (UTF-8)
 *   T | topic | 00 | queueId u32 | storeTimestamp u64     → queueOffset u64
 *   P                                                     → indexedUpTo u64
 *
 * `bucket` is the hour of the store timestamp (storeTimestamp / 3_600_000), so retention drops old
 * entries with one range delete per prefix.
 */
export const PREFIX_KEY = 0x4b; // 'K'
export const PREFIX_UNIQ = 0x55; // 'U'
export const PREFIX_TIME = 0x54; // 'T'
export const PREFIX_PROGRESS = 0x50; // 'P'

export const BUCKET_MS = 3_600_000;
export const MAX_BUCKET = 0xffff_ffff;
const TWO_32 = 0x1_0000_0000;

export const PROGRESS_KEY = Buffer.from([PREFIX_PROGRESS]);

export function bucketOf(timestamp: number): number {
  return Math.min(MAX_BUCKET, Math.max(0, Math.floor(timestamp / BUCKET_MS)));
}

export function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_32), at);
  buf.writeUInt32BE(value >>> 0, at + 4);
}

export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

export function u64(value: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeU64(b, value, 0);
  return b;
}

/** A bare one-byte prefix followed by a bucket: the start of that bucket's range. */
export function bucketStart(prefix: number, bucket: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = prefix;
  b.writeUInt32BE(bucket, 1);
  return b;
}

/** The end (exclusive) of a whole prefix's key space. */
export function prefixEnd(prefix: number): Buffer {
  return Buffer.from([prefix + 1]);
}

/**
 * `prefix | bucket | name | 00 | term | 00` — the part of a K key before phys. For the U index the
 * `name` is empty and omitted (`prefix | bucket | term | 00`).
 */
export function hitPrefix(prefix: number, bucket: number, name: string | undefined, term: string): Buffer {
  const b = Buffer.allocUnsafe(hitPrefixLength(name, term));
  writeHitPrefix(b, prefix, bucket, name, term);
  return b;
}

/** `hitKey(hitPrefix(...), phys)` in one allocation (the add() hot path). */
export function encodeHit(prefix: number, bucket: number, name: string | undefined, term: string, phys: number): Buffer {
  const b = Buffer.allocUnsafe(hitPrefixLength(name, term) + 8);
  writeU64(b, phys, writeHitPrefix(b, prefix, bucket, name, term));
  return b;
}

function hitPrefixLength(name: string | undefined, term: string): number {
  const nameLen = name === undefined ? 0 : Buffer.byteLength(name) + 1;
  return 5 + nameLen + Buffer.byteLength(term) + 1;
}

/** Writes `prefix | bucket | [name | 00] | term | 00` at 0; returns the end. */
function writeHitPrefix(b: Buffer, prefix: number, bucket: number, name: string | undefined, term: string): number {
  b[0] = prefix;
  b.writeUInt32BE(bucket, 1);
  let at = 5;
  if (name !== undefined) {
    at += b.write(name, at, 'utf8');
    b[at++] = 0;
  }
  at += b.write(term, at, 'utf8');
  b[at++] = 0;
  return at;
}

/** A full hit key: the hit prefix followed by the physical offset. */
export function hitKey(hitPrefixBytes: Buffer, phys: number): Buffer {
  const b = Buffer.allocUnsafe(hitPrefixBytes.length + 8);
  hitPrefixBytes.copy(b, 0);
  writeU64(b, phys, hitPrefixBytes.length);
  return b;
}

/** The physical offset of a hit key that belongs to `hitPrefixBytes`, or undefined for a longer key. */
export function parseHitKey(key: Buffer, hitPrefixBytes: Buffer): number | undefined {
  if (key.length !== hitPrefixBytes.length + 8) return undefined;
  return readU64(key, hitPrefixBytes.length);
}

export function bucketOfKey(key: Buffer): number {
  return key.readUInt32BE(1);
}

/** U value: storeTimestamp | topic. */
export function uniqValue(storeTimestamp: number, topic: string): Buffer {
  const b = Buffer.allocUnsafe(8 + Buffer.byteLength(topic));
  writeU64(b, storeTimestamp, 0);
  b.write(topic, 8, 'utf8');
  return b;
}

export function uniqValueTopic(value: Buffer): string {
  return value.toString('utf8', 8);
}

/** `T | topic | 00 | queueId` — every time point of one queue starts with this. */
export function timeQueuePrefix(topic: string, queueId: number): Buffer {
  const topicLen = Buffer.byteLength(topic);
  const b = Buffer.allocUnsafe(1 + topicLen + 1 + 4);
  b[0] = PREFIX_TIME;
  b.write(topic, 1, 'utf8');
  b[1 + topicLen] = 0;
  b.writeUInt32BE(queueId, 2 + topicLen);
  return b;
}

export function timeKey(queuePrefix: Buffer, storeTimestamp: number): Buffer {
  const b = Buffer.allocUnsafe(queuePrefix.length + 8);
  queuePrefix.copy(b, 0);
  writeU64(b, storeTimestamp, queuePrefix.length);
  return b;
}

/** Split a T key into its queue prefix and timestamp. */
export function parseTimeKey(key: Buffer): { queuePrefix: Buffer; storeTimestamp: number } {
  const prefixLen = key.length - 8;
  return { queuePrefix: key.subarray(0, prefixLen), storeTimestamp: readU64(key, prefixLen) };
}

/** The smallest key after every key that starts with `prefix` (prefix with its last byte + 1, carried). */
export function successor(prefix: Buffer): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] !== 0xff) {
      b[i] += 1;
      return b.subarray(0, i + 1);
    }
  }
  throw new Error('assertion failed: successor of an all-0xff prefix');
}
