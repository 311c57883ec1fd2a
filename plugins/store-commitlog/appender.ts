import type { Logger } from 'pino';
import { CometError, isCometError, wrapError } from '../../kernel/errors.js';
import type { Flushable, FlushPolicy } from '../../kernel/messaging/flush.js';
import type { AppendInput } from '../../kernel/messaging/message.js';
import { offsetHex } from '../../kernel/messaging/msgid.js';
import { encodeBlank, encodeRecord } from '../../kernel/messaging/record.js';
import type { Replication } from '../../kernel/messaging/replication.js';
import type { AppendResult } from '../../kernel/messaging/store.js';
import type { Clock } from '../../kernel/services.js';
import type { BlockCache } from './block-cache.js';
import type { DispatchRequest, QueueState } from './dispatcher.js';
import { type FileIO, writeFully, writeFullySync } from './file-io.js';
import type { Prepared } from './prepare.js';
import type { Segment, SegmentFiles } from './segments.js';

/** Largest write batch written synchronously (see writeBatch). */
const SYNC_WRITE_MAX_BYTES = 64 * 1024;
const BATCH_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(BATCH_BYTES);

type Resolve = (r: AppendResult) => void;

/** Records encoded back to back inside one segment, written with one positional write. */
interface Batch {
  readonly buf: Buffer;
  readonly start: number;
  readonly segStart: number;
  /** Bytes to write (a blank filler writes only its 8-byte header). */
  len: number;
  /** Logical end (a filler ends at its segment's end). */
  end: number;
  readonly epoch: number;
  readonly reqs: DispatchRequest[];
  readonly resolves: Resolve[];
  readonly queues: QueueState[];
}

export interface AppenderDeps {
  readonly io: FileIO;
  readonly files: SegmentFiles;
  readonly cache: BlockCache;
  readonly policy: FlushPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly replication: Replication | undefined;
  readonly storeHost: Uint8Array;
  readonly storePort: number;
  readonly msgIdPrefix: string;
  readonly maxPendingBytes: number;
  readonly queueFor: (topic: string, queueId: number) => QueueState;
  /** Called in log order once a batch is durable per the policy; makes it readable. */
  readonly onDurable: (reqs: readonly DispatchRequest[], end: number) => void;
}

/**
 * The write path: appends are placed and encoded synchronously (offsets in call order) into the
 * current batch; one writer loop writes batches with one positional write each, one at a time;
 * then flush policy → dispatch → acknowledge, strictly in log order.
 */
export class Appender implements Flushable {
  private assignPos = 0;
  private segStart = 0;
  private segEnd = 0;
  private written = 0;
  private flushed = 0;
  private current: Batch | undefined;
  private readonly sealed: Batch[] = [];
  private readonly inflight: Batch[] = [];
  private readonly waiting: { p: Prepared; resolve: Resolve }[] = [];
  private readonly pool: Buffer[] = [];
  private pendingBytes = 0;
  private epoch = 0;
  private scrub: { from: number; to: number } | undefined;
  private pumping = false;
  private kicked = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly dirty = new Set<Segment>();
  private flushing: Promise<number> | undefined;
  private nextFlush: Promise<number> | undefined;

  constructor(private readonly d: AppenderDeps) {}

  /** Position the log end (after recovery). */
  reset(end: number): void {
    this.assignPos = this.written = this.flushed = end;
    const seg = this.d.files.find(end);
    this.segStart = seg ? seg.start : end;
    this.segEnd = seg ? seg.start + seg.size : end + this.d.files.segmentBytes;
  }

  writtenOffset(): number {
    return this.written;
  }
  flushedOffset(): number {
    return this.flushed;
  }
  /** Start of the segment appends currently go to. */
  activeSegmentStart(): number {
    return this.segStart;
  }

  /** Next physical offset to assign. */
  endOffset(): number {
    return this.assignPos;
  }

  append(p: Prepared): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve) => {
      if (this.waiting.length > 0 || (this.pendingBytes > 0 && this.pendingBytes + p.size > this.d.maxPendingBytes)) {
        this.waiting.push({ p, resolve });
        return;
      }
      this.place(p, resolve);
    });
  }

  private place(p: Prepared, resolve: Resolve): void {
    if (p.size + 8 > this.segEnd - this.assignPos) this.rollSegment();
    let b = this.current;
    if (!b || b.buf.length - b.len < p.size) {
      if (b) this.sealed.push(b);
      b = this.current = this.newBatch(p.size);
    }
    const q = this.d.queueFor(p.input.topic, p.input.queueId);
    const now = this.d.clock.now();
    const input: AppendInput = p.input;
    const req: DispatchRequest = {
      physicalOffset: this.assignPos,
      size: p.size,
      topic: input.topic,
      queueId: input.queueId,
      queueOffset: q.nextOffset++,
      storeTimestamp: now,
      keys: p.keys,
      uniqKey: p.uniqKey,
      tagCode: p.tagCode,
    };
    encodeRecord(b.buf, b.len, {
      body: input.body,
      topicBytes: p.topicBytes,
      properties: p.properties,
      propertiesBytes: p.propertiesBytes,
      queueId: input.queueId,
      flag: input.flag ?? 0,
      queueOffset: req.queueOffset,
      physicalOffset: req.physicalOffset,
      sysFlag: input.sysFlag ?? 0,
      bornTimestamp: input.bornTimestamp ?? now,
      bornHost: p.bornHost,
      bornPort: input.bornHost?.port ?? 0,
      storeTimestamp: now,
      storeHost: this.d.storeHost,
      storePort: this.d.storePort,
      reconsumeTimes: input.reconsumeTimes ?? 0,
      preparedTransactionOffset: input.preparedTransactionOffset ?? 0,
    });
    b.len += p.size;
    b.end += p.size;
    b.reqs.push(req);
    b.resolves.push(resolve);
    b.queues.push(q);
    this.assignPos += p.size;
    this.pendingBytes += p.size;
    this.kick();
  }

  /** Blank-fill the rest of the segment; the next record starts the next segment. */
  private rollSegment(): void {
    const remaining = this.segEnd - this.assignPos;
    if (remaining > 0) {
      let b = this.current;
      if (!b || b.buf.length - b.len < 8) {
        if (b) this.sealed.push(b);
        b = this.newBatch(8);
      }
      encodeBlank(b.buf, b.len, remaining);
      b.len += 8;
      b.end = this.segEnd;
      this.sealed.push(b);
      this.current = undefined;
    }
    this.assignPos = this.segStart = this.segEnd;
    this.segEnd = this.segStart + this.d.files.segmentBytes;
  }

  private newBatch(minBytes: number): Batch {
    const buf = minBytes <= BATCH_BYTES ? (this.pool.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES)) : Buffer.allocUnsafeSlow(minBytes);
    return { buf, start: this.assignPos, segStart: this.segStart, len: 0, end: this.assignPos, epoch: this.epoch, reqs: [], resolves: [], queues: [] };
  }

  /**
   * Start the pump. Appends wait for the end of this turn of the event loop (not of this task), so the
   * appends of every request read in one poll phase, from many sockets, leave in one write: group
   * commit across connections. After a failure the pump (and its scrub of the failed bytes) starts
   * at once, before anyone sees the rejection.
   */
  private kick(now = false): void {
    if (this.pumping || this.kicked) return;
    this.kicked = true;
    const run = (): void => {
      this.kicked = false;
      void this.pump();
    };
    if (now) queueMicrotask(run);
    else setImmediate(run);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        let b = this.sealed.shift();
        if (!b && this.current && this.current.len > 0) {
          b = this.current;
          this.current = undefined;
        }
        if (!b) {
          // Zero a failed write's bytes now, not only before the next write.
          if (this.scrub) await this.doScrub().catch((e: unknown) => this.d.logger.warn({ err: e }, 'scrub failed; retried before the next write'));
          break;
        }
        await this.writeBatch(b);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async writeBatch(b: Batch): Promise<void> {
    if (b.epoch !== this.epoch) return;
    let seg: Segment;
    try {
      if (this.scrub) await this.doScrub();
      seg = await this.d.files.ensure(b.segStart);
      // A small batch is written on this thread: into the page cache that takes tens of
      // microseconds, while a trip through the libuv pool added up to milliseconds of wake-up
      // latency to its acks under load. A large one goes to the pool so its copy runs on another core.
      if (b.len <= SYNC_WRITE_MAX_BYTES) writeFullySync(this.d.io, seg.fd, b.buf, 0, b.len, b.start - seg.start);
      else await writeFully(this.d.io, seg.fd, b.buf, 0, b.len, b.start - seg.start);
    } catch (e) {
      if (b.epoch === this.epoch) this.fail(b.start, e, b);
      else this.widenScrub(b.start, b.end);
      return;
    }
    if (b.epoch !== this.epoch) {
      this.widenScrub(b.start, b.end);
      return;
    }
    this.dirty.add(seg);
    this.written = b.end;
    this.d.cache.noteWritten(b.start, b.buf, b.len);
    this.d.replication?.onWritten(b.end);
    const durable = this.d.policy.awaitDurable(b.end).then(
      () => undefined,
      (e: unknown) => e ?? new Error('flush failed'),
    );
    this.inflight.push(b);
    const prev = this.tail;
    this.tail = Promise.all([durable, prev]).then(([err]) => this.afterDurable(b, err));
  }

  private afterDurable(b: Batch, err: unknown): void {
    if (b.epoch !== this.epoch) return;
    if (err !== undefined) {
      this.fail(b.start, err);
      return;
    }
    const i = this.inflight.indexOf(b);
    if (i >= 0) this.inflight.splice(i, 1);
    try {
      this.d.onDurable(b.reqs, b.end);
    } catch (e) {
      this.d.logger.error({ err: e }, 'dispatch failed after a durable write');
    }
    const prefix = this.d.msgIdPrefix;
    for (let k = 0; k < b.reqs.length; k++) {
      const r = b.reqs[k]!;
      b.resolves[k]!({
        status: 'ok',
        msgId: prefix + offsetHex(r.physicalOffset),
        topic: r.topic,
        queueId: r.queueId,
        queueOffset: r.queueOffset,
        physicalOffset: r.physicalOffset,
        storeTimestamp: r.storeTimestamp,
        size: r.size,
      });
    }
    this.release(b);
  }

  private release(b: Batch): void {
    for (const r of b.reqs) this.pendingBytes -= r.size;
    if (b.buf.length === BATCH_BYTES && this.pool.length < 4 + this.d.maxPendingBytes / BATCH_BYTES) this.pool.push(b.buf);
    this.drainWaiting();
  }

  private drainWaiting(): void {
    while (this.waiting.length > 0) {
      const w = this.waiting[0]!;
      if (this.pendingBytes > 0 && this.pendingBytes + w.p.size > this.d.maxPendingBytes) return;
      this.waiting.shift();
      this.place(w.p, w.resolve);
    }
  }

  /**
   * An I/O failure at `from`: reject every unacknowledged append from there on, roll the log end
   * and the queues' next offsets back, and zero the failed range before the next write.
   */
  private fail(from: number, cause: unknown, writing?: Batch): void {
    this.epoch++;
    const error = isCometError(cause, 'STORE_FLUSH_TIMEOUT') ? cause : wrapError('STORE_IO', 'commit-log write failed', cause);
    this.d.logger.error({ err: cause, from }, 'store I/O failure; rejecting unacknowledged appends');
    const victims = [...this.inflight.filter((b) => b.start >= from), ...(writing ? [writing] : []), ...this.sealed.splice(0)];
    if (this.current) victims.push(this.current);
    this.current = undefined;
    for (let i = this.inflight.length - 1; i >= 0; i--) if (this.inflight[i]!.start >= from) this.inflight.splice(i, 1);
    const rejected: AppendResult = { status: 'rejected', error };
    for (const b of victims) {
      for (let k = 0; k < b.reqs.length; k++) {
        const q = b.queues[k]!;
        q.nextOffset = Math.min(q.nextOffset, b.reqs[k]!.queueOffset);
      }
    }
    this.widenScrub(from, Math.max(this.written, from));
    this.assignPos = from;
    this.written = Math.min(this.written, from);
    this.flushed = Math.min(this.flushed, from);
    const seg = this.d.files.find(from);
    this.segStart = seg ? seg.start : victims[0]?.segStart ?? from;
    this.segEnd = seg ? seg.start + seg.size : this.segStart + this.d.files.segmentBytes;
    this.d.cache.invalidate(from);
    this.kick(true); // queued before the rejections below, so the scrub starts first
    for (const b of victims) {
      for (const r of b.resolves) r(rejected);
      this.release(b);
    }
  }

  private widenScrub(from: number, to: number): void {
    if (to <= from) return;
    this.scrub = this.scrub ? { from: Math.min(this.scrub.from, from), to: Math.max(this.scrub.to, to) } : { from, to };
  }

  /** Zero bytes a failed write may have left, so recovery can never resurrect them. */
  private async doScrub(): Promise<void> {
    const s = this.scrub!;
    let pos = s.from;
    while (pos < s.to) {
      const seg = this.d.files.find(pos);
      if (!seg) break;
      const n = Math.min(s.to, seg.start + seg.size) - pos;
      for (let done = 0; done < n; done += BATCH_BYTES) {
        const len = Math.min(BATCH_BYTES, n - done);
        await writeFully(this.d.io, seg.fd, ZEROS, 0, len, pos + done - seg.start);
      }
      this.dirty.add(seg);
      pos += n;
    }
    this.scrub = undefined;
  }

  /** fdatasync the segments written since the last flush; concurrent calls share one. */
  flush(): Promise<number> {
    if (this.flushing) {
      this.nextFlush ??= this.flushing.then(
        () => this.flush(),
        () => this.flush(),
      );
      return this.nextFlush;
    }
    this.nextFlush = undefined;
    const target = this.written;
    const segs = [...this.dirty];
    this.dirty.clear();
    for (const s of segs) s.refs++;
    this.flushing = Promise.all(segs.map((s) => this.d.io.fdatasync(s.fd)))
      .then(
        () => {
          if (target > this.flushed && target <= this.written) this.flushed = target;
          return this.flushed;
        },
        (e: unknown) => {
          for (const s of segs) if (!s.deleted) this.dirty.add(s);
          throw wrapError('STORE_IO', 'fdatasync of the commit log failed', e);
        },
      )
      .finally(() => {
        for (const s of segs) s.refs--;
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Wait until every placed append is acknowledged or rejected. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.pendingBytes === 0 && this.waiting.length === 0 && !this.pumping) return;
      await new Promise<void>((r) => setImmediate(r));
      await this.tail;
    }
  }

  /** Reject appends still waiting for room (close). */
  rejectWaiting(error: CometError): void {
    for (const w of this.waiting.splice(0)) w.resolve({ status: 'rejected', error });
  }

  /** Whether anything unacknowledged is pending. */
  busy(): boolean {
    return this.pendingBytes > 0;
  }

  /** Scrub leftovers of a failed write (close). */
  async finish(): Promise<void> {
    if (this.scrub) await this.doScrub().catch((e: unknown) => this.d.logger.warn({ err: e }, 'scrub at close failed'));
  }
}
