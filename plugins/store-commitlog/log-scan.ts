import { MAGIC_BLANK, MAGIC_V1, OFF, RECORD_FIXED_BYTES, RecordView, checkRecord } from '../../kernel/messaging/record.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import { splitKeys } from '../../kernel/messaging/record.js';
import { tagHashCode } from '../../kernel/messaging/tags.js';
import type { DispatchRequest } from './dispatcher.js';
import type { SegmentFiles } from './segments.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Why a scan stopped: unwritten space, invalid bytes, the end of the last segment, or `to`. */
export type ScanStop = 'zero' | 'bad' | 'eof' | 'limit';

export interface ScanEnd {
  /** Offset of the first byte not accepted (a record boundary). */
  readonly end: number;
  readonly reason: ScanStop;
}

/**
 * Walk valid records from `from` (a record boundary) in big sequential reads, calling `onRecord`
 * with a view of each; blank fillers jump to the next segment. Stops at the first zero, invalid
 * or rejected record (onRecord returning false), at `to`, or at the end of the last segment.
 */
export async function scanLog(
  files: SegmentFiles,
  from: number,
  onRecord: (view: Buffer, phys: number) => boolean,
  to = Number.MAX_SAFE_INTEGER,
): Promise<ScanEnd> {
  let pos = from;
  let buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  for (;;) {
    if (pos >= to) return { end: pos, reason: 'limit' };
    const seg = files.find(pos);
    if (!seg) return { end: pos, reason: 'eof' };
    const segEnd = seg.start + seg.size;
    const n = await files.read(pos, buf, 0, Math.min(buf.length, segEnd - pos));
    let off = 0;
    let next = -1;
    let grew = false;
    while (off < n) {
      const at = pos + off;
      if (at >= to) return { end: at, reason: 'limit' };
      const avail = n - off;
      if (avail < 8) {
        if (at + avail < segEnd) break;
        return { end: at, reason: checkRecord(buf, off, avail) === 'zero' ? 'zero' : 'bad' };
      }
      const size = buf.readInt32BE(off);
      const magic = buf.readInt32BE(off + 4);
      if (magic === MAGIC_BLANK) {
        if (size !== segEnd - at) return { end: at, reason: 'bad' };
        next = segEnd;
        break;
      }
      if (size === 0 && magic === 0) return { end: at, reason: 'zero' };
      if (magic !== MAGIC_V1 || size < RECORD_FIXED_BYTES || at + size > segEnd) return { end: at, reason: 'bad' };
      if (size > avail) {
        if (size > buf.length) {
          buf = Buffer.allocUnsafeSlow(size);
          grew = true;
        }
        break;
      }
      if (checkRecord(buf, off, avail) !== 'ok') return { end: at, reason: 'bad' };
      if (!onRecord(buf.subarray(off, off + size), at)) return { end: at, reason: 'bad' };
      off += size;
    }
    if (off === 0 && next < 0 && !grew) return { end: pos, reason: n === 0 ? 'zero' : 'bad' };
    pos = next >= 0 ? next : pos + off;
  }
}

/** The dispatch request of a record view (recovery and index catch-up). */
export function dispatchRequestOf(view: Buffer, phys: number): DispatchRequest {
  const rec = new RecordView(view);
  const props = rec.properties;
  return {
    physicalOffset: phys,
    size: view.length,
    topic: rec.topic,
    queueId: rec.queueId,
    queueOffset: rec.queueOffset,
    storeTimestamp: rec.storeTimestamp,
    keys: splitKeys(props[PROPERTY.KEYS]),
    uniqKey: props[PROPERTY.UNIQ_KEY],
    tagCode: tagHashCode(props[PROPERTY.TAGS]),
  };
}

/** PHYSICALOFFSET field of a record view. */
export function physField(view: Buffer): number {
  return view.readUInt32BE(OFF.PHYSICALOFFSET) * 4294967296 + view.readUInt32BE(OFF.PHYSICALOFFSET + 4);
}
