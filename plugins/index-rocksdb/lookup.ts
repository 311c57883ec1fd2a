import type { IndexHits, IndexPage } from '../../kernel/messaging/index-contract.js';
import { CometError, assert } from '../../kernel/errors.js';
import type { RocksDb } from '../../kernel/storage/rocks.js';
import {
  MAX_BUCKET,
  bucketOf,
  bucketOfKey,
  bucketStart,
  hitKey,
  hitPrefix,
  parseHitKey,
  prefixEnd,
  readU64,
  uniqValueTopic,
} from './keys.js';

/** What one paged lookup scans: the K index (topic + key) or the U index (uniq key, optional topic). */
export interface HitQuery {
  readonly prefix: number;
  /** The name written between bucket and term (the topic for K; undefined for U). */
  readonly name: string | undefined;
  readonly term: string;
  /** For U: keep only hits whose stored topic equals this. */
  readonly topicFilter: string | undefined;
}

interface Hit {
  readonly bucket: number;
  readonly phys: number;
}

interface Position {
  readonly bucket: number;
  /** Resume strictly after this physical offset in `bucket` (cursor), or from the bucket's start. */
  readonly afterPhys: number | undefined;
}

/**
 * One page of hits, oldest first. A single iterator walks the prefix's buckets from the first one
 * the page allows and seeks over everything that is not this query's term, so an empty hour costs
 * nothing and a busy hour costs one seek. `limit + 1` hits are collected so `nextCursor` is only
 * returned when another hit really follows.
 */
export async function lookupPage(db: RocksDb, query: HitQuery, page: IndexPage): Promise<IndexHits> {
  assert(Number.isInteger(page.limit) && page.limit >= 1, 'index page limit must be a positive integer');
  const begin = Math.max(0, finiteOr(page.beginTimestamp, 0));
  const end = finiteOr(page.endTimestamp, Number.MAX_SAFE_INTEGER);
  if (end < begin) return { physicalOffsets: [] };
  const start = startPosition(page, bucketOf(begin));
  const lastBucket = bucketOf(end);
  if (start.bucket > lastBucket) return { physicalOffsets: [] };

  const hits = await collect(db, query, start, lastBucket, { begin, end, want: page.limit + 1 });
  const returned = hits.slice(0, page.limit);
  const last = returned[returned.length - 1];
  return hits.length > page.limit && last !== undefined
    ? { physicalOffsets: returned.map((h) => h.phys), nextCursor: encodeCursor(last) }
    : { physicalOffsets: returned.map((h) => h.phys) };
}

/** An absent or non-finite bound means "unbounded" (NaN included, so it cannot poison the key math). */
function finiteOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

interface Limits {
  readonly begin: number;
  readonly end: number;
  readonly want: number;
}

async function collect(db: RocksDb, query: HitQuery, start: Position, lastBucket: number, limits: Limits): Promise<Hit[]> {
  const hits: Hit[] = [];
  let bucket = start.bucket;
  let prefix = hitPrefix(query.prefix, bucket, query.name, query.term);
  const first = start.afterPhys === undefined ? prefix : hitKey(prefix, start.afterPhys + 1);
  const upper = lastBucket >= MAX_BUCKET ? prefixEnd(query.prefix) : bucketStart(query.prefix, lastBucket + 1);
  const it = db.iterator({ gte: first, lt: upper });
  try {
    for (let entry = await it.next(); entry !== undefined; entry = await it.next()) {
      const [key, value] = entry;
      const keyBucket = bucketOfKey(key);
      if (keyBucket !== bucket) {
        bucket = keyBucket;
        prefix = hitPrefix(query.prefix, bucket, query.name, query.term);
      }
      const order = Buffer.compare(key.subarray(0, prefix.length), prefix);
      if (order < 0) {
        it.seek(prefix);
        continue;
      }
      if (order > 0) {
        if (bucket >= lastBucket) break;
        it.seek(hitPrefix(query.prefix, bucket + 1, query.name, query.term));
        continue;
      }
      const phys = parseHitKey(key, prefix);
      if (phys === undefined || !accepts(query, value, limits)) continue;
      hits.push({ bucket, phys });
      if (hits.length >= limits.want) break;
    }
  } finally {
    await it.close();
  }
  return hits;
}

function accepts(query: HitQuery, value: Buffer, limits: Limits): boolean {
  const storeTimestamp = readU64(value, 0);
  if (storeTimestamp < limits.begin || storeTimestamp > limits.end) return false;
  return query.topicFilter === undefined || uniqValueTopic(value) === query.topicFilter;
}

function startPosition(page: IndexPage, firstBucket: number): Position {
  if (page.cursor === undefined) return { bucket: firstBucket, afterPhys: undefined };
  const cursor = decodeCursor(page.cursor);
  return cursor.bucket < firstBucket ? { bucket: firstBucket, afterPhys: undefined } : { bucket: cursor.bucket, afterPhys: cursor.phys };
}

/** Cursor text: `<bucket>.<phys>` in base 36 — opaque to callers, stable across restarts. */
export function encodeCursor(hit: Hit): string {
  return `${hit.bucket.toString(36)}.${hit.phys.toString(36)}`;
}

export function decodeCursor(cursor: string): Hit {
  const match = /^([0-9a-z]{1,7})\.([0-9a-z]{1,11})$/.exec(cursor);
  const bucket = match === null ? NaN : parseInt(match[1], 36);
  const phys = match === null ? NaN : parseInt(match[2], 36);
  if (!Number.isSafeInteger(bucket) || bucket > MAX_BUCKET || !Number.isSafeInteger(phys)) {
    throw new CometError('INDEX_CURSOR_INVALID', `Index page cursor is not valid: ${JSON.stringify(cursor.slice(0, 64))}`);
  }
  return { bucket, phys };
}
