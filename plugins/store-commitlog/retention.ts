import fs from 'node:fs';
import type { Logger } from 'pino';
import type { MessageIndex } from '../../kernel/messaging/index-contract.js';
import type { Clock } from '../../kernel/services.js';
import type { BlockCache } from './block-cache.js';
import type { QueueRegistry } from './queues.js';
import type { Segment, SegmentFiles } from './segments.js';
import { lookupPhys, type ReadContext } from './reads.js';

export interface RetentionReport {
  readonly deletedSegments: readonly string[];
  readonly minPhysicalOffset: number;
  readonly reason: readonly ('age' | 'disk' | 'maxLogBytes')[];
}

export interface RetentionDeps {
  readonly files: SegmentFiles;
  readonly queues: QueueRegistry;
  readonly cache: BlockCache;
  readonly index: MessageIndex | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly fileReservedHours: number;
  readonly diskHighWaterRatio: number;
  readonly maxLogBytes: number | undefined;
  /** Start of the segment appends go to (never deleted). */
  activeStart(): number;
  setMinPhys(offset: number): void;
  readContext(): ReadContext;
}

async function diskUsage(dir: string): Promise<number> {
  const s = await fs.promises.statfs(dir);
  return s.blocks === 0 ? 0 : 1 - s.bavail / s.blocks;
}

async function why(d: RetentionDeps, seg: Segment, total: number): Promise<'age' | 'disk' | 'maxLogBytes' | undefined> {
  const mtime = (await fs.promises.stat(seg.path)).mtimeMs;
  if (d.clock.now() - mtime > d.fileReservedHours * 3_600_000) return 'age';
  if (d.maxLogBytes !== undefined && total > d.maxLogBytes) return 'maxLogBytes';
  if ((await diskUsage(d.dataDir)) > d.diskHighWaterRatio) return 'disk';
  return undefined;
}

/**
 * Delete the oldest segments (never the active one) that are older than fileReservedHours, or
 * while the disk is above the high-water mark, or while the log exceeds maxLogBytes. Then move
 * the log's min offset, drop consume-queue files wholly below it, move each queue's min offset,
 * and trim the index.
 */
export async function runRetention(d: RetentionDeps): Promise<RetentionReport> {
  const deleted: string[] = [];
  const reasons: ('age' | 'disk' | 'maxLogBytes')[] = [];
  for (;;) {
    const seg = d.files.first();
    if (!seg || seg.start + seg.size > d.activeStart()) break;
    const reason = await why(d, seg, d.files.totalBytes());
    if (!reason) break;
    d.setMinPhys(seg.start + seg.size);
    d.cache.invalidate(seg.start, seg.start + seg.size);
    await d.files.remove(seg);
    deleted.push(seg.path);
    reasons.push(reason);
  }
  const minPhys = d.files.first()?.start ?? d.activeStart();
  if (deleted.length === 0) return { deletedSegments: deleted, minPhysicalOffset: minPhys, reason: reasons };
  d.logger.info({ deleted, minPhys }, 'retention removed segments');
  for (const q of d.queues.all()) await q.cq.dropBelow(minPhys);
  if (d.index) {
    const first = await firstRecordTime(d, minPhys);
    if (first !== undefined) await d.index.deleteBefore(first);
  }
  return { deletedSegments: deleted, minPhysicalOffset: minPhys, reason: reasons };
}

async function firstRecordTime(d: RetentionDeps, minPhys: number): Promise<number | undefined> {
  const rec = await lookupPhys(d.readContext(), minPhys);
  return rec?.storeTimestamp;
}
