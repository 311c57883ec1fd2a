import { CometError } from '../../kernel/errors.js';
import type { MessageIndex } from '../../kernel/messaging/index-contract.js';
import { RecordView, checkRecord, MAGIC_V1, RECORD_FIXED_BYTES } from '../../kernel/messaging/record.js';
import type { ReadRequest, ReadResult } from '../../kernel/messaging/store.js';
import { MATCH_ALL, matchesMessage, matchesTagCode, type TagFilter } from '../../kernel/messaging/tags.js';
import type { BlockCache } from './block-cache.js';
import { CQ_ENTRY_BYTES, cqPhys, cqSize, cqTag } from './consume-queue.js';
import { physField } from './log-scan.js';
import type { QueueRegistry } from './queues.js';

/** Entries scanned per read when a tag filter may skip most of them. */
const FILTER_SCAN_ENTRIES = 2048;

export interface ReadContext {
  readonly queues: QueueRegistry;
  readonly cache: BlockCache;
  readonly maxReadBytes: number;
  readonly index: MessageIndex | undefined;
  minPhys(): number;
  writtenEnd(): number;
}

const NO_QUEUE: ReadResult = Object.freeze({ status: 'noQueue', nextOffset: 0, minOffset: 0, maxOffset: 0 });

function corrupt(phys: number, why: string): CometError {
  return new CometError('STORE_CORRUPT', `record at ${phys} failed validation (${why})`, { details: { physicalOffset: phys } });
}

/** The verified record at `phys` of `size` bytes (magic, sizes, CRC, position); STORE_CORRUPT otherwise. */
export async function readVerified(ctx: ReadContext, phys: number, size: number): Promise<RecordView | undefined> {
  return peekVerified(ctx, phys, size) ?? readVerifiedFromFile(ctx, phys, size);
}

/**
 * The verified record when its bytes are in memory, without a promise per record (a read of a
 * queue's tail finds them there); undefined when they must come from the file.
 */
function peekVerified(ctx: ReadContext, phys: number, size: number): RecordView | undefined {
  // Bytes this process wrote and still holds were checksummed as they were encoded: the body CRC is
  // checked for what comes back from the file (the structure always).
  const own = ctx.cache.peekWritten(phys, size);
  if (own !== undefined) return verified(own, phys, size, false);
  const cached = ctx.cache.peek(phys, size);
  return cached === undefined ? undefined : verified(cached, phys, size, true);
}

async function readVerifiedFromFile(ctx: ReadContext, phys: number, size: number): Promise<RecordView | undefined> {
  const view = await ctx.cache.read(phys, size);
  return view === undefined ? undefined : verified(view, phys, size, true);
}

function verified(view: Buffer, phys: number, size: number, verifyCrc: boolean): RecordView {
  if (view.readInt32BE(0) !== size) throw corrupt(phys, 'size');
  if (checkRecord(view, 0, size, verifyCrc) !== 'ok') throw corrupt(phys, 'magic/CRC');
  if (physField(view) !== phys) throw corrupt(phys, 'position');
  return new RecordView(view);
}

/** A read in progress over the consume-queue entries it fetched. */
interface Scan {
  readonly req: ReadRequest;
  readonly minOffset: number;
  readonly maxOffset: number;
  readonly filter: TagFilter;
  readonly maxMsgs: number;
  readonly maxBytes: number;
  readonly buf: Buffer;
  readonly count: number;
  readonly messages: RecordView[];
  bytes: number;
  /** The entry to look at next. */
  i: number;
}

/**
 * A queue read. Records still in memory (a consumer at or near the tail) are read on this thread with
 * no asynchronous step; the first record that must come from the file continues asynchronously.
 */
export function readQueue(ctx: ReadContext, req: ReadRequest): Promise<ReadResult> {
  try {
    const scan = startScan(ctx, req);
    if (!('buf' in scan)) return Promise.resolve(scan);
    const done = advance(ctx, scan);
    return done === undefined ? readFromFile(ctx, scan) : Promise.resolve(done);
  } catch (e) {
    return Promise.reject(e);
  }
}

function startScan(ctx: ReadContext, req: ReadRequest): Scan | ReadResult {
  if (!Number.isSafeInteger(req.offset) || req.offset < 0) {
    throw new CometError('OFFSET_INVALID', `offset ${String(req.offset)} is not a non-negative integer`);
  }
  const q = ctx.queues.get(req.topic, req.queueId);
  if (!q || (q.cq.maxOffset === 0 && !q.cq.hasFiles())) return NO_QUEUE;
  const minOffset = q.cq.minOffset;
  const maxOffset = q.cq.maxOffset;
  if (req.offset < minOffset) return { status: 'offsetMoved', nextOffset: minOffset, minOffset, maxOffset };
  if (req.offset > maxOffset) return { status: 'offsetMoved', nextOffset: maxOffset, minOffset, maxOffset };
  if (req.offset === maxOffset) return { status: 'empty', nextOffset: maxOffset, minOffset, maxOffset };
  const filter = req.filter ?? MATCH_ALL;
  const maxMsgs = Math.max(1, Math.floor(req.max));
  const want = Math.min(filter.all ? maxMsgs : Math.max(maxMsgs, FILTER_SCAN_ENTRIES), maxOffset - req.offset);
  const { buf, count } = q.cq.read(req.offset, want);
  return { req, minOffset, maxOffset, filter, maxMsgs, maxBytes: req.maxBytes ?? ctx.maxReadBytes, buf, count, messages: [], bytes: 0, i: 0 };
}

/** Take entries while their records are in memory: the result, or undefined when entry `i` needs the file. */
function advance(ctx: ReadContext, s: Scan): ReadResult | undefined {
  for (; s.i < s.count; s.i++) {
    const at = s.i * CQ_ENTRY_BYTES;
    const phys = cqPhys(s.buf, at);
    const size = cqSize(s.buf, at);
    if (phys < ctx.minPhys()) return removedBelow(ctx, s);
    if (!matchesTagCode(s.filter, cqTag(s.buf, at))) continue;
    if (s.messages.length >= s.maxMsgs || (s.messages.length > 0 && s.bytes + size > s.maxBytes)) break;
    const rec = peekVerified(ctx, phys, size);
    if (rec === undefined) return undefined;
    take(s, rec, size);
  }
  return finish(s);
}

async function readFromFile(ctx: ReadContext, s: Scan): Promise<ReadResult> {
  for (;;) {
    const at = s.i * CQ_ENTRY_BYTES;
    const size = cqSize(s.buf, at);
    const rec = await readVerifiedFromFile(ctx, cqPhys(s.buf, at), size);
    if (!rec) return finish(s);
    take(s, rec, size);
    s.i++;
    const done = advance(ctx, s);
    if (done !== undefined) return done;
  }
}

function take(s: Scan, rec: RecordView, size: number): void {
  if (!s.filter.all && !matchesMessage(s.filter, rec)) return;
  s.messages.push(rec);
  s.bytes += size;
}

/** The log below entry `i` was removed: what was read so far, else the queue's new start. */
function removedBelow(ctx: ReadContext, s: Scan): ReadResult {
  if (s.messages.length > 0) return finish(s);
  const q = ctx.queues.get(s.req.topic, s.req.queueId);
  const min = q?.cq.minOffset ?? s.minOffset;
  return { status: 'offsetMoved', nextOffset: Math.max(min, s.req.offset + s.i + 1), minOffset: min, maxOffset: q?.cq.maxOffset ?? s.maxOffset };
}

function finish(s: Scan): ReadResult {
  const nextOffset = s.req.offset + s.i;
  const bounds = { minOffset: s.minOffset, maxOffset: s.maxOffset };
  if (s.messages.length === 0) {
    return nextOffset > s.req.offset ? { status: 'filtered', nextOffset, ...bounds } : { status: 'empty', nextOffset: s.req.offset, ...bounds };
  }
  return { status: 'found', messages: s.messages, nextOffset, ...bounds };
}

/** The record at a physical offset, or undefined (not a record start, removed, or beyond the end). */
export async function lookupPhys(ctx: ReadContext, phys: number): Promise<RecordView | undefined> {
  if (!Number.isSafeInteger(phys) || phys < ctx.minPhys() || phys + RECORD_FIXED_BYTES > ctx.writtenEnd()) return undefined;
  const head = await ctx.cache.read(phys, 8);
  if (!head || head.readInt32BE(4) !== MAGIC_V1) return undefined;
  const size = head.readInt32BE(0);
  if (size < RECORD_FIXED_BYTES || phys + size > ctx.writtenEnd()) return undefined;
  try {
    return await readVerified(ctx, phys, size);
  } catch {
    return undefined;
  }
}

export async function lookupQueueOffset(ctx: ReadContext, topic: string, queueId: number, offset: number): Promise<RecordView | undefined> {
  const q = ctx.queues.get(topic, queueId);
  if (!q || !Number.isSafeInteger(offset)) return undefined;
  const e = q.cq.entry(offset);
  if (!e || e.size <= 0 || e.phys < ctx.minPhys()) return undefined;
  return readVerified(ctx, e.phys, e.size);
}

/** Smallest queue offset whose store time is >= timestamp (maxOffset if none). */
export async function offsetByTime(ctx: ReadContext, topic: string, queueId: number, timestamp: number): Promise<number> {
  const q = ctx.queues.get(topic, queueId);
  if (!q) return 0;
  let lo = q.cq.minOffset;
  let hi = q.cq.maxOffset;
  const timeAt = async (o: number): Promise<number | undefined> => (await lookupQueueOffset(ctx, topic, queueId, o))?.storeTimestamp;
  if (ctx.index) {
    const hit = await ctx.index.floorByTime(topic, queueId, timestamp);
    if (hit && hit.storeTimestamp < timestamp && hit.queueOffset >= lo && hit.queueOffset < hi) {
      const t = await timeAt(hit.queueOffset);
      if (t !== undefined && t < timestamp) lo = hit.queueOffset + 1;
    }
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const t = await timeAt(mid);
    if (t === undefined || t < timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
