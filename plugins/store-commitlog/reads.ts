import { CometError } from '../../kernel/errors.js';
import type { MessageIndex } from '../../kernel/messaging/index-contract.js';
import { RecordView, checkRecord, MAGIC_V1, RECORD_FIXED_BYTES } from '../../kernel/messaging/record.js';
import type { ReadRequest, ReadResult } from '../../kernel/messaging/store.js';
import { MATCH_ALL, matchesMessage, matchesTagCode } from '../../kernel/messaging/tags.js';
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

export async function readQueue(ctx: ReadContext, req: ReadRequest): Promise<ReadResult> {
  if (!Number.isSafeInteger(req.offset) || req.offset < 0) {
    throw new CometError('OFFSET_INVALID', `offset ${String(req.offset)} is not a non-negative integer`);
  }
  const q = ctx.queues.get(req.topic, req.queueId);
  if (!q || (q.cq.maxOffset === 0 && !q.cq.hasFiles())) return NO_QUEUE;
  const minOffset = q.cq.minOffset;
  const maxOffset = q.cq.maxOffset;
  const bounds = { minOffset, maxOffset };
  if (req.offset < minOffset) return { status: 'offsetMoved', nextOffset: minOffset, ...bounds };
  if (req.offset > maxOffset) return { status: 'offsetMoved', nextOffset: maxOffset, ...bounds };
  if (req.offset === maxOffset) return { status: 'empty', nextOffset: maxOffset, ...bounds };
  const filter = req.filter ?? MATCH_ALL;
  const maxMsgs = Math.max(1, Math.floor(req.max));
  const maxBytes = req.maxBytes ?? ctx.maxReadBytes;
  const want = Math.min(filter.all ? maxMsgs : Math.max(maxMsgs, FILTER_SCAN_ENTRIES), maxOffset - req.offset);
  const { buf, count } = await q.cq.read(req.offset, want);
  const messages: RecordView[] = [];
  let bytes = 0;
  let i = 0;
  for (; i < count; i++) {
    const at = i * CQ_ENTRY_BYTES;
    const phys = cqPhys(buf, at);
    const size = cqSize(buf, at);
    if (phys < ctx.minPhys()) {
      if (messages.length > 0) break;
      const min = q.cq.minOffset;
      return { status: 'offsetMoved', nextOffset: Math.max(min, req.offset + i + 1), minOffset: min, maxOffset: q.cq.maxOffset };
    }
    if (!matchesTagCode(filter, cqTag(buf, at))) continue;
    if (messages.length >= maxMsgs || (messages.length > 0 && bytes + size > maxBytes)) break;
    const rec = peekVerified(ctx, phys, size) ?? (await readVerifiedFromFile(ctx, phys, size));
    if (!rec) break;
    if (!filter.all && !matchesMessage(filter, rec)) continue;
    messages.push(rec);
    bytes += size;
  }
  const nextOffset = req.offset + i;
  if (messages.length === 0) {
    return nextOffset > req.offset
      ? { status: 'filtered', nextOffset, ...bounds }
      : { status: 'empty', nextOffset: req.offset, ...bounds };
  }
  return { status: 'found', messages, nextOffset, ...bounds };
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
  const e = await q.cq.entry(offset);
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
