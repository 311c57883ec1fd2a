import type { Logger } from 'pino';
import { encodeBlank } from '../../kernel/messaging/record.js';
import type { Checkpoint } from './checkpoint.js';
import type { DispatchRequest, Dispatcher, QueueState } from './dispatcher.js';
import { type FileIO, writeFully } from './file-io.js';
import { dispatchRequestOf, physField, scanLog } from './log-scan.js';
import type { SegmentFiles } from './segments.js';

const DISPATCH_CHUNK = 4096;

export interface RecoveryDeps {
  readonly io: FileIO;
  readonly files: SegmentFiles;
  readonly queues: () => Iterable<QueueState>;
  readonly queueFor: (topic: string, queueId: number) => QueueState;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
}

export interface RecoveryResult {
  readonly mode: 'clean' | 'scan';
  /** Where the next append goes. */
  readonly end: number;
  readonly scanFrom: number;
  readonly records: number;
  /** A torn tail was cut (blank-filled). */
  readonly torn: boolean;
}

/** Clean shutdown: trust the consume queues and the recorded log end. */
export async function recoverClean(d: RecoveryDeps, cp: Checkpoint): Promise<RecoveryResult | undefined> {
  const end = cp.logEndOffset;
  const last = d.files.last();
  if (end < 0 || (last !== undefined && end > last.start + last.size)) return undefined;
  await dropSegmentsAfter(d, end);
  for (const q of d.queues()) q.nextOffset = q.cq.maxOffset;
  d.dispatcher.dispatchedOffset = end;
  return { mode: 'clean', end, scanFrom: end, records: 0, torn: false };
}

/**
 * Unclean stop: from the checkpoint, validate each record (magic, sizes, CRC, PHYSICALOFFSET ==
 * position, QUEUEOFFSET == the queue's next), re-dispatch it, stop at the first invalid one; a
 * torn tail is blank-filled to its segment end; consume queues are cut to the recovered end.
 * Idempotent: running it twice yields the same files.
 */
export async function recoverByScan(d: RecoveryDeps, cp: Checkpoint | undefined): Promise<RecoveryResult> {
  const first = d.files.first();
  let scanFrom = cp ? cp.cqDispatchedOffset : (first?.start ?? 0);
  if (first && scanFrom < first.start) scanFrom = first.start;
  for (const q of d.queues()) {
    const at = q.cq.lowerBoundPhys(scanFrom);
    await q.cq.truncate(at);
    q.nextOffset = q.cq.maxOffset;
  }
  let batch: DispatchRequest[] = [];
  let records = 0;
  const fresh = new Set<QueueState>();
  const stop = await scanLog(d.files, scanFrom, (view, phys) => {
    if (physField(view) !== phys) return false;
    const req = dispatchRequestOf(view, phys);
    const q = d.queueFor(req.topic, req.queueId);
    if (!q.cq.hasFiles() && q.nextOffset === 0 && !fresh.has(q)) {
      q.nextOffset = q.cq.minOffset = q.cq.maxOffset = req.queueOffset;
    }
    fresh.add(q);
    if (req.queueOffset !== q.nextOffset) return false;
    q.nextOffset++;
    batch.push(req);
    records++;
    if (batch.length >= DISPATCH_CHUNK) {
      d.dispatcher.dispatch(batch, phys + view.length, false);
      batch = [];
    }
    return true;
  });
  d.dispatcher.dispatch(batch, stop.end, false);
  let end = stop.end;
  const seg = d.files.find(stop.end);
  const torn = stop.reason === 'bad' && seg !== undefined;
  if (torn) {
    end = await blankFill(d, stop.end);
    d.logger.warn({ at: stop.end, next: end }, 'recovery cut a torn tail');
  }
  await dropSegmentsAfter(d, torn ? end - 1 : end);
  for (const q of d.queues()) {
    await q.cq.truncate(q.cq.lowerBoundPhys(stop.end));
    q.nextOffset = q.cq.maxOffset;
  }
  d.dispatcher.dispatchedOffset = end;
  return { mode: 'scan', end, scanFrom, records, torn };
}

/** Write a blank filler from `at` to its segment's end; returns the next segment's start. */
async function blankFill(d: RecoveryDeps, at: number): Promise<number> {
  const seg = d.files.find(at)!;
  const segEnd = seg.start + seg.size;
  const remaining = segEnd - at;
  const buf = Buffer.alloc(Math.min(remaining, 8));
  if (remaining >= 8) encodeBlank(buf, 0, remaining);
  await writeFully(d.io, seg.fd, buf, 0, buf.length, at - seg.start);
  await d.io.fdatasync(seg.fd);
  return segEnd;
}

/** Delete segments that start after the one holding `offset` (nothing valid can be there). */
async function dropSegmentsAfter(d: RecoveryDeps, offset: number): Promise<void> {
  for (const s of [...d.files.segments]) {
    if (s.start > offset) {
      d.logger.warn({ segment: s.path }, 'removing a segment beyond the recovered log end');
      await d.files.remove(s);
    }
  }
}
