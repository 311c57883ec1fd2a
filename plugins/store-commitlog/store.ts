import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { CometError, isCometError } from '../../kernel/errors.js';
import type { FlushPolicy } from '../../kernel/messaging/flush.js';
import type { MessageIndex } from '../../kernel/messaging/index-contract.js';
import type { AppendInput, HostAddress, StoredMessage } from '../../kernel/messaging/message.js';
import { msgIdPrefix } from '../../kernel/messaging/msgid.js';
import { hostBytes } from '../../kernel/messaging/record.js';
import type { Replication } from '../../kernel/messaging/replication.js';
import {
  type AppendBatchOptions,
  type AppendResult,
  type ArrivalListener,
  batchRejected,
  type MessageStore,
  type QueueBounds,
  type ReadRequest,
  type ReadResult,
  type StoreStats,
} from '../../kernel/messaging/store.js';
import { type Clock, type TimerHandle, systemClock } from '../../kernel/services.js';
import { Appender } from './appender.js';
import { BlockCache } from './block-cache.js';
import { CheckpointFile } from './checkpoint.js';
import { type StoreConfig, storeConfigSchema } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { type FileIO, realFileIO } from './file-io.js';
import { IndexFeeder } from './index-feeder.js';
import { acquireLock } from './lock.js';
import { AppendPreparer, type Prepared } from './prepare.js';
import { QueueRegistry } from './queues.js';
import { type ReadContext, lookupPhys, lookupQueueOffset, offsetByTime, readQueue } from './reads.js';
import { type RecoveryResult, recoverByScan, recoverClean } from './recovery.js';
import { type RetentionReport, runRetention } from './retention.js';
import { SegmentFiles } from './segments.js';

export interface CommitLogStoreOptions {
  /** The store's own directory (the plugin passes dataDir/<subfolder>). */
  readonly dir: string;
  readonly config?: Partial<StoreConfig>;
  readonly flushPolicy: FlushPolicy;
  readonly index?: MessageIndex;
  readonly replication?: Replication;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly io?: FileIO;
  /** Advertised store host: written into records and msgIds. Default 127.0.0.1:10911. */
  readonly storeHost?: HostAddress;
}

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/** The commit-log MessageStore (see README.md and docs/invariants.md). */
export class CommitLogStore implements MessageStore {
  readonly config: StoreConfig;
  private readonly io: FileIO;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly files: SegmentFiles;
  private readonly cache: BlockCache;
  private readonly registry: QueueRegistry;
  private readonly dispatcher: Dispatcher;
  private readonly appender: Appender;
  private readonly preparer: AppendPreparer;
  private readonly feeder: IndexFeeder | undefined;
  private readonly checkpoint: CheckpointFile;
  private readonly ctx: ReadContext;
  private state: State = 'new';
  private minPhys = 0;
  private releaseLock: (() => void) | undefined;
  private timers: TimerHandle[] = [];
  private lastCheckpointAt = 0;
  private checkpointing: Promise<void> | undefined;
  private retentionRun: Promise<RetentionReport> | undefined;
  /** What recovery did at open (tests, logs). */
  recovery: RecoveryResult | undefined;

  constructor(private readonly opts: CommitLogStoreOptions) {
    this.config = storeConfigSchema.parse(opts.config ?? {});
    this.io = opts.io ?? realFileIO;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? pino({ level: 'silent' });
    const host = opts.storeHost ?? { address: '127.0.0.1', port: 10911 };
    this.files = new SegmentFiles(this.io, path.join(opts.dir, 'commitlog'), this.config.segmentBytes);
    this.cache = new BlockCache(this.files, this.config.readCacheBytes, () => this.appender.writtenOffset());
    this.registry = new QueueRegistry(this.io, path.join(opts.dir, 'consumequeue'), this.config.consumeQueueEntriesPerFile, this.config.maxOpenQueueFiles, this.config.consumeQueueTailEntries);
    const queueFor = (t: string, q: number) => this.registry.getOrCreate(t, q);
    this.feeder = opts.index
      ? new IndexFeeder(opts.index, this.files, () => this.dispatcher.dispatchedOffset, this.config.indexQueueEntries, this.logger)
      : undefined;
    this.dispatcher = new Dispatcher(queueFor, this.feeder);
    this.preparer = new AppendPreparer(this.config.maxMessageBytes, this.config.segmentBytes);
    this.appender = new Appender({
      io: this.io,
      files: this.files,
      cache: this.cache,
      policy: opts.flushPolicy,
      clock: this.clock,
      logger: this.logger,
      replication: opts.replication,
      storeHost: hostBytes(host.address),
      storePort: host.port,
      msgIdPrefix: msgIdPrefix(host),
      maxPendingBytes: this.config.maxPendingBytes,
      queueFor,
      onDurable: (reqs, end) => this.dispatcher.dispatch(reqs, end),
    });
    this.checkpoint = new CheckpointFile(this.io, path.join(opts.dir, 'checkpoint'));
    this.ctx = {
      queues: this.registry,
      cache: this.cache,
      maxReadBytes: this.config.maxReadBytes,
      index: opts.index,
      minPhys: () => this.minPhys,
      writtenEnd: () => this.appender.writtenOffset(),
    };
  }

  private p(name: string): string {
    return path.join(this.opts.dir, name);
  }

  /** Lock, recover, start the flush policy and the timers. */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new CometError('STORE_CLOSED', 'a store opens once');
    this.state = 'opening';
    try {
      await fs.promises.mkdir(this.opts.dir, { recursive: true });
    } catch (e) {
      throw new CometError('STORE_DATA_DIR_INVALID', `cannot create ${this.opts.dir}`, { cause: e });
    }
    this.releaseLock = acquireLock(this.p('lock'));
    try {
      await this.recover();
    } catch (e) {
      await this.files.closeAll();
      this.releaseLock();
      this.state = 'closed';
      throw e;
    }
    fs.writeFileSync(this.p('abort'), String(process.pid));
    this.opts.flushPolicy.attach(this.appender);
    this.feeder?.start();
    this.startTimers();
    this.state = 'open';
  }

  private async recover(): Promise<void> {
    const started = performance.now();
    await this.files.load();
    this.registry.loadAll();
    const cp = CheckpointFile.read(this.p('checkpoint'));
    const clean = !fs.existsSync(this.p('abort'));
    const deps = {
      io: this.io,
      files: this.files,
      queues: () => this.registry.all(),
      queueFor: (t: string, q: number) => this.registry.getOrCreate(t, q),
      dispatcher: this.dispatcher,
      logger: this.logger,
    };
    const r = (clean && cp ? await recoverClean(deps, cp) : undefined) ?? (await recoverByScan(deps, cp));
    this.recovery = r;
    this.appender.reset(r.end);
    this.minPhys = this.files.first()?.start ?? r.end;
    for (const q of this.registry.all()) await q.cq.dropBelow(this.minPhys);
    if (r.mode === 'scan') await Promise.all(this.files.segments.map((s) => this.io.fdatasync(s.fd)));
    await this.registry.pool.flush();
    await this.checkpoint.write({ logFlushedOffset: r.end, cqDispatchedOffset: r.end, logEndOffset: -1, timestamp: this.clock.now() });
    this.logger.info({ ...r, ms: Math.round(performance.now() - started) }, 'store recovered');
  }

  private startTimers(): void {
    const c = this.config;
    this.timers.push(this.clock.setInterval(() => void this.periodicFlush(), c.flushConsumeQueueIntervalMs).unref());
    this.timers.push(this.clock.setInterval(() => void this.runRetention().catch(() => undefined), c.cleanIntervalMs).unref());
  }

  private async periodicFlush(): Promise<void> {
    if (this.state !== 'open') return;
    try {
      if (this.clock.monotonic() - this.lastCheckpointAt >= this.config.checkpointIntervalMs) await this.checkpointNow();
      else await this.registry.pool.flush();
    } catch (e) {
      this.logger.warn({ err: e }, 'periodic consume-queue flush / checkpoint failed');
    }
  }

  /** Flush the log and the consume queues, then record how far recovery may trust them. */
  checkpointNow(logEnd = -1): Promise<void> {
    const run = async (): Promise<void> => {
      const dispatched = this.dispatcher.dispatchedOffset;
      const flushed = await this.appender.flush();
      await this.registry.pool.flush();
      await this.checkpoint.write({
        logFlushedOffset: flushed,
        cqDispatchedOffset: Math.min(dispatched, flushed),
        logEndOffset: logEnd,
        timestamp: this.clock.now(),
      });
      this.lastCheckpointAt = this.clock.monotonic();
    };
    const prev = this.checkpointing ?? Promise.resolve();
    const next = prev.then(run, run);
    this.checkpointing = next.finally(() => {
      if (this.checkpointing === next) this.checkpointing = undefined;
    });
    return next;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new CometError('STORE_CLOSED', `store is ${this.state}`);
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.state !== 'open') return Promise.resolve({ status: 'rejected', error: new CometError('STORE_CLOSED', `store is ${this.state}`) });
    try {
      return this.appender.append(this.preparer.prepare(input));
    } catch (e) {
      if (isCometError(e)) return Promise.resolve({ status: 'rejected', error: e });
      throw e;
    }
  }

  appendBatch(inputs: readonly AppendInput[], options?: AppendBatchOptions): Promise<AppendResult[]> {
    if (options?.allOrNothing !== true || this.state !== 'open') return Promise.all(inputs.map((i) => this.append(i)));
    // Prepare (validate and encode) all first; place them only if every one passed.
    const prepared: (Prepared | undefined)[] = [];
    const errors: (CometError | undefined)[] = [];
    let culprit = -1;
    for (const input of inputs) {
      try {
        prepared.push(this.preparer.prepare(input));
        errors.push(undefined);
      } catch (e) {
        if (!isCometError(e)) throw e;
        prepared.push(undefined);
        errors.push(e);
        if (culprit < 0) culprit = errors.length - 1;
      }
    }
    if (culprit >= 0) return Promise.resolve(batchRejected(errors, culprit));
    return Promise.all(prepared.map((p) => this.appender.append(p!)));
  }

  read(request: ReadRequest): Promise<ReadResult> {
    this.assertOpen();
    return readQueue(this.ctx, request);
  }

  async lookup(physicalOffset: number): Promise<StoredMessage | undefined> {
    this.assertOpen();
    return lookupPhys(this.ctx, physicalOffset);
  }

  async lookupByQueueOffset(topic: string, queueId: number, queueOffset: number): Promise<StoredMessage | undefined> {
    this.assertOpen();
    return lookupQueueOffset(this.ctx, topic, queueId, queueOffset);
  }

  minOffset(topic: string, queueId: number): number {
    return this.registry.get(topic, queueId)?.cq.minOffset ?? 0;
  }

  maxOffset(topic: string, queueId: number): number {
    return this.registry.get(topic, queueId)?.cq.maxOffset ?? 0;
  }

  queues(): readonly QueueBounds[] {
    const out: QueueBounds[] = [];
    for (const q of this.registry.all()) {
      if (q.cq.maxOffset === 0 && !q.cq.hasFiles()) continue;
      out.push({ topic: q.cq.topic, queueId: q.cq.queueId, minOffset: q.cq.minOffset, maxOffset: q.cq.maxOffset });
    }
    return out;
  }

  async storeTimeAt(topic: string, queueId: number, queueOffset: number): Promise<number | undefined> {
    return (await this.lookupByQueueOffset(topic, queueId, queueOffset))?.storeTimestamp;
  }

  offsetByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    this.assertOpen();
    return offsetByTime(this.ctx, topic, queueId, timestamp);
  }

  onArrival(listener: ArrivalListener): () => void {
    this.dispatcher.listeners.add(listener);
    return () => this.dispatcher.listeners.delete(listener);
  }

  stats(): StoreStats {
    return {
      minPhysicalOffset: this.minPhys,
      writtenOffset: this.appender.writtenOffset(),
      flushedOffset: this.appender.flushedOffset(),
      dispatchedOffset: this.dispatcher.dispatchedOffset,
      segmentCount: this.files.segments.length,
      writable: this.state === 'open',
    };
  }

  /** Run retention now (also runs every cleanIntervalMs). */
  runRetention(): Promise<RetentionReport> {
    this.assertOpen();
    this.retentionRun ??= runRetention({
      files: this.files,
      queues: this.registry,
      cache: this.cache,
      index: this.opts.index,
      clock: this.clock,
      logger: this.logger,
      dataDir: this.opts.dir,
      fileReservedHours: this.config.fileReservedHours,
      diskHighWaterRatio: this.config.diskHighWaterRatio,
      maxLogBytes: this.config.maxLogBytes,
      activeStart: () => Math.min(this.appender.activeSegmentStart(), this.dispatcher.dispatchedOffset),
      setMinPhys: (o) => (this.minPhys = Math.max(this.minPhys, o)),
      readContext: () => this.ctx,
    }).finally(() => (this.retentionRun = undefined));
    return this.retentionRun;
  }

  /**
   * Clean close: refuse new appends (STORE_CLOSED), finish in-flight ones, flush log and consume
   * queues, write the checkpoint with the log end, remove the abort marker, release the lock.
   */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.stopTimers();
    await this.appender.drain();
    await this.retentionRun?.catch(() => undefined);
    await this.feeder?.stop();
    await this.opts.flushPolicy.detach();
    await this.appender.finish();
    await this.checkpointNow(this.appender.endOffset());
    await this.shutFiles();
    fs.rmSync(this.p('abort'), { force: true });
    this.releaseLock?.();
    this.state = 'closed';
  }

  /** Test aid: stop like a crash (no final flush, checkpoint or marker removal), release the lock. */
  async closeUnclean(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.stopTimers();
    await this.appender.drain();
    await this.feeder?.stop();
    await this.opts.flushPolicy.detach();
    await this.shutFiles();
    this.releaseLock?.();
    this.state = 'closed';
  }

  private stopTimers(): void {
    for (const t of this.timers.splice(0)) t.cancel();
  }

  private async shutFiles(): Promise<void> {
    await this.checkpointing?.catch(() => undefined);
    await this.checkpoint.close();
    await this.registry.pool.closeAll();
    await this.files.closeAll();
    this.cache.clear();
  }
}

/** Open a commit-log store without the kernel (tests, bench, crash children). */
export async function openCommitLogStore(options: CommitLogStoreOptions): Promise<CommitLogStore> {
  const store = new CommitLogStore(options);
  await store.open();
  return store;
}
