import { mkdir } from 'node:fs/promises';
import type {
  IndexEntry,
  IndexHits,
  IndexPage,
  MessageIndex,
  TimeIndexHit,
} from '../../kernel/messaging/index-contract.js';
import { assert, wrapError } from '../../kernel/errors.js';
import { firstEntry, openRocksDb, type RocksBatch, type RocksDb } from '../../kernel/storage/rocks.js';
import { lookupPage } from './lookup.js';
import { type QueuePoint, TimePoints } from './time-points.js';
import {
  PREFIX_KEY,
  PREFIX_TIME,
  PREFIX_UNIQ,
  PROGRESS_KEY,
  bucketOf,
  bucketStart,
  encodeHit,
  parseTimeKey,
  prefixEnd,
  readU64,
  successor,
  timeKey,
  timeQueuePrefix,
  u64,
  uniqValue,
} from './keys.js';

export interface RocksIndexOptions {
  /** Folder of the RocksDB database (created if missing). */
  readonly dir: string;
  /** Minimum store-time distance between two sparse time points of one queue (ms, default 1000). */
  readonly timeIndexIntervalMs?: number;
  /** How many queues' newest time point are cached (default 65536). */
  readonly maxCachedQueues?: number;
}

/** The RocksDB MessageIndex plus what its owner needs: close(). */
export interface RocksMessageIndex extends MessageIndex {
  readonly dir: string;
  close(): Promise<void>;
}

/** Open the index in `options.dir` without the kernel (tests, bench, store recovery). */
export async function openRocksIndex(options: RocksIndexOptions): Promise<RocksMessageIndex> {
  let db: RocksDb | undefined;
  try {
    await mkdir(options.dir, { recursive: true });
    db = await openRocksDb(options.dir);
    const progress = await readProgress(db);
    return new RocksIndex(db, options, progress);
  } catch (e) {
    if (db !== undefined) await db.close().catch(() => undefined);
    throw wrapError('INDEX_IO', `Cannot open the message index at ${options.dir}`, e);
  }
}

function checkPage(page: IndexPage): void {
  assert(Number.isInteger(page.limit) && page.limit >= 1, 'index page limit must be a positive integer');
}

async function readProgress(db: RocksDb): Promise<number> {
  const entry = await firstEntry(db, { gte: PROGRESS_KEY, lte: PROGRESS_KEY });
  return entry === undefined ? 0 : readU64(entry[1], 0);
}

class RocksIndex implements RocksMessageIndex {
  readonly dir: string;
  private readonly intervalMs: number;
  private readonly points: TimePoints;
  /** indexedUpTo as last written (the P key); changes only with a successful batch. */
  private progress: number;
  /** Writers (add, deleteBefore, clear, close) run one at a time, in call order. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: RocksDb,
    options: RocksIndexOptions,
    progress: number,
  ) {
    this.dir = options.dir;
    this.intervalMs = options.timeIndexIntervalMs ?? 1000;
    assert(Number.isInteger(this.intervalMs) && this.intervalMs >= 1, 'timeIndexIntervalMs must be an integer >= 1');
    this.points = new TimePoints(db, options.maxCachedQueues ?? 65_536);
    this.progress = progress;
  }

  add(entries: readonly IndexEntry[]): Promise<void> {
    return this.serial('add', () => this.addNow(entries));
  }

  async indexedUpTo(): Promise<number> {
    return this.progress;
  }

  byKey(topic: string, key: string, page: IndexPage): Promise<IndexHits> {
    checkPage(page);
    return this.guard('byKey', () =>
      lookupPage(this.db, { prefix: PREFIX_KEY, name: topic, term: key, topicFilter: undefined }, page),
    );
  }

  /** Topic-less lookups are supported: the U index is keyed by uniq key and stores the topic in the value. */
  byUniqKey(topic: string | undefined, uniqKey: string, page: IndexPage): Promise<IndexHits> {
    checkPage(page);
    return this.guard('byUniqKey', () =>
      lookupPage(this.db, { prefix: PREFIX_UNIQ, name: undefined, term: uniqKey, topicFilter: topic }, page),
    );
  }

  floorByTime(topic: string, queueId: number, timestamp: number): Promise<TimeIndexHit | undefined> {
    return this.guard('floorByTime', async () => {
      if (Number.isNaN(timestamp) || timestamp < 0) return undefined;
      const prefix = timeQueuePrefix(topic, queueId);
      const at = Math.min(Math.floor(timestamp), Number.MAX_SAFE_INTEGER);
      const entry = await firstEntry(this.db, { gte: prefix, lte: timeKey(prefix, at), reverse: true });
      if (entry === undefined) return undefined;
      return { queueOffset: readU64(entry[1], 0), storeTimestamp: parseTimeKey(entry[0]).storeTimestamp };
    });
  }

  deleteBefore(timestamp: number): Promise<void> {
    assert(!Number.isNaN(timestamp), 'deleteBefore needs a timestamp');
    return this.serial('deleteBefore', async () => {
      const bucket = bucketOf(timestamp);
      await this.db.clear({ gte: bucketStart(PREFIX_KEY, 0), lt: bucketStart(PREFIX_KEY, bucket) });
      await this.db.clear({ gte: bucketStart(PREFIX_UNIQ, 0), lt: bucketStart(PREFIX_UNIQ, bucket) });
      await this.deleteTimePointsBefore(Math.min(Math.max(0, Math.floor(timestamp)), Number.MAX_SAFE_INTEGER));
    });
  }

  clear(): Promise<void> {
    return this.serial('clear', async () => {
      this.points.forget();
      await this.db.clear();
      this.progress = 0;
    });
  }

  close(): Promise<void> {
    return this.serial('close', async () => {
      if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
    });
  }

  private async addNow(entries: readonly IndexEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const batch = this.db.batch();
    let upTo = this.progress;
    try {
      for (const entry of entries) {
        this.putHits(batch, entry);
        // The queue's point is cached after its first entry: no await (and microtask) per entry.
        const point = this.points.peek(entry.topic, entry.queueId) ?? (await this.points.load(entry.topic, entry.queueId));
        this.putTimePoint(batch, entry, point);
        upTo = Math.max(upTo, entry.physicalOffset + entry.size);
      }
      batch.put(PROGRESS_KEY, u64(upTo));
      await batch.write();
    } catch (e) {
      // Cached time points may now name points that were never written: re-read them lazily.
      this.points.forget();
      await batch.close().catch(() => undefined);
      throw e;
    }
    this.progress = upTo;
  }

  private putHits(batch: RocksBatch, entry: IndexEntry): void {
    const hasUniq = entry.uniqKey !== undefined && entry.uniqKey.length > 0;
    if (entry.keys.length === 0 && !hasUniq) return;
    const bucket = bucketOf(entry.storeTimestamp);
    const time = u64(entry.storeTimestamp);
    for (const key of entry.keys) {
      if (key.length === 0) continue;
      batch.put(encodeHit(PREFIX_KEY, bucket, entry.topic, key, entry.physicalOffset), time);
    }
    if (hasUniq && entry.uniqKey !== undefined) {
      const key = encodeHit(PREFIX_UNIQ, bucket, undefined, entry.uniqKey, entry.physicalOffset);
      batch.put(key, uniqValue(entry.storeTimestamp, entry.topic));
    }
  }

  private putTimePoint(batch: RocksBatch, entry: IndexEntry, point: QueuePoint): void {
    if (!TimePoints.due(point, entry.storeTimestamp, this.intervalMs)) return;
    batch.put(timeKey(point.prefix, entry.storeTimestamp), u64(entry.queueOffset));
    point.last = entry.storeTimestamp;
  }

  /**
   * Per queue, delete the time points before the floor of `timestamp` (the newest point at or before
   * it stays, so floorByTime keeps answering for every later time). One seek to find each queue,
   * one reverse seek for its floor and one range delete.
   */
  private async deleteTimePointsBefore(timestamp: number): Promise<void> {
    const end = prefixEnd(PREFIX_TIME);
    let from: Buffer = Buffer.from([PREFIX_TIME]);
    for (;;) {
      const next = await firstEntry(this.db, { gte: from, lt: end, values: false });
      if (next === undefined) return;
      const queuePrefix = Buffer.from(parseTimeKey(next[0]).queuePrefix);
      const floor = await firstEntry(this.db, {
        gte: queuePrefix,
        lte: timeKey(queuePrefix, timestamp),
        reverse: true,
        values: false,
      });
      if (floor !== undefined) await this.db.clear({ gte: queuePrefix, lt: Buffer.from(floor[0]) });
      from = successor(queuePrefix);
    }
  }

  private serial<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => this.guard(op, fn));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw wrapError('INDEX_IO', `Message index ${op} failed (${this.dir})`, e);
    }
  }
}
