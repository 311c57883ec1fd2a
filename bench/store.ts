import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import type { FlushPolicy } from '../kernel/messaging/flush.js';
import { createAsyncFlushPolicy } from '../plugins/flush-async/policy.js';
import { createSyncFlushPolicy } from '../plugins/flush-sync/policy.js';
import { type CommitLogStore, openCommitLogStore } from '../plugins/store-commitlog/store.js';
import { arg } from './broker-process.js';

/**
 * Store benchmarks (1 KiB messages over 16 queues, in process, temp dir, 1 GiB segments):
 * async-append, sync-append-256-inflight, sequential-read, backlog-1m-single-queue,
 * recovery-after-kill9. One JSON line per scenario.
 */
const BODY = Buffer.alloc(1024, 0x61);
const QUEUES = 16;
const TOPIC = 'BenchTopic';

interface Result {
  readonly scenario: string;
  readonly msgsPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly rssMb: number;
  readonly [extra: string]: unknown;
}

const histogram = (): hdr.Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

function emit(r: Result): void {
  process.stdout.write(`${JSON.stringify({ bench: 'store', ...r })}\n`);
}

class RssPeak {
  peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), 50);
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.round(this.peak / 1048576);
  }
}

async function open(dir: string, policy: FlushPolicy): Promise<CommitLogStore> {
  return openCommitLogStore({ dir, flushPolicy: policy });
}

/** Keep `inflight` appends outstanding until `count` are acknowledged. */
async function appendMany(store: CommitLogStore, count: number, inflight: number, queues: number): Promise<{ secs: number; h: hdr.Histogram }> {
  const h = histogram();
  let issued = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (issued < count) {
      const i = issued++;
      const start = performance.now();
      const r = await store.append({ topic: TOPIC, queueId: i % queues, body: BODY });
      if (r.status !== 'ok') throw r.error;
      h.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return { secs: (performance.now() - t0) / 1000, h };
}

function latency(h: hdr.Histogram): { p50Ms: number; p99Ms: number } {
  return { p50Ms: h.getValueAtPercentile(50) / 1000, p99Ms: h.getValueAtPercentile(99) / 1000 };
}

async function appendScenario(name: string, dir: string, policy: FlushPolicy, count: number, inflight: number): Promise<void> {
  const rss = new RssPeak();
  const store = await open(dir, policy);
  const { secs, h } = await appendMany(store, count, inflight, QUEUES);
  await store.close();
  emit({ scenario: name, msgsPerSec: Math.round(count / secs), ...latency(h), rssMb: rss.stop(), count, inflight });
}

/**
 * Read every queue from its min to its end the way a consumer group does: each queue pulled in
 * turn (round-robin), up to `maxMsgs` / 256 KiB per pull.
 */
async function readAll(store: CommitLogStore, queues: number, h: hdr.Histogram, maxMsgs: number, queueByQueue = false): Promise<number> {
  if (queueByQueue && queues > 1) {
    let sum = 0;
    for (let q = 0; q < queues; q++) sum += await readQueues(store, [q], h, maxMsgs);
    return sum;
  }
  return readQueues(store, Array.from({ length: queues }, (_, q) => q), h, maxMsgs);
}

async function readQueues(store: CommitLogStore, ids: number[], h: hdr.Histogram, maxMsgs: number): Promise<number> {
  const queues = ids.length;
  let total = 0;
  const offsets = ids.map((q) => store.minOffset(TOPIC, q));
  const done = new Set<number>();
  while (done.size < queues) {
    for (let k = 0; k < queues; k++) {
      const q = ids[k]!;
      if (done.has(q)) continue;
      const start = performance.now();
      const r = await store.read({ topic: TOPIC, queueId: q, offset: offsets[k]!, max: maxMsgs });
      h.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
      if (r.status !== 'found') {
        done.add(q);
        continue;
      }
      for (const m of r.messages) if (m.body.length !== BODY.length) throw new Error('bad body');
      total += r.messages.length;
      offsets[k] = r.nextOffset;
    }
  }
  return total;
}

async function readScenario(dir: string, count: number, queueByQueue: boolean): Promise<void> {
  const writer = await open(dir, createAsyncFlushPolicy());
  await appendMany(writer, count, 4096, QUEUES);
  await writer.close();
  const rss = new RssPeak();
  const store = await open(dir, createAsyncFlushPolicy());
  const h = histogram();
  const t0 = performance.now();
  const total = await readAll(store, QUEUES, h, 256, queueByQueue);
  const secs = (performance.now() - t0) / 1000;
  await store.close();
  if (total !== count) throw new Error(`read ${total} of ${count}`);
  emit({ scenario: queueByQueue ? 'sequential-read-queue-by-queue' : 'sequential-read', msgsPerSec: Math.round(total / secs), ...latency(h), rssMb: rss.stop(), count, perCallMax: 256 });
}

async function backlogScenario(dir: string, count: number): Promise<void> {
  const rss = new RssPeak();
  const store = await open(dir, createAsyncFlushPolicy());
  const w = await appendMany(store, count, 4096, 1);
  const h = histogram();
  const t0 = performance.now();
  const total = await readAll(store, 1, h, 256);
  const readSecs = (performance.now() - t0) / 1000;
  await store.close();
  if (total !== count) throw new Error(`read ${total} of ${count}`);
  emit({
    scenario: 'backlog-1m-single-queue',
    msgsPerSec: Math.round(count / w.secs),
    readMsgsPerSec: Math.round(total / readSecs),
    ...latency(w.h),
    rssMb: rss.stop(),
    count,
  });
}

async function recoveryScenario(dir: string, bytes: number): Promise<void> {
  const child = spawn(process.execPath, ['--import=tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'store-writer-child.ts'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let reported = 0;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        reported = Math.max(reported, Number(l));
        if (reported >= bytes) resolve();
      }
    });
    child.on('exit', () => reject(new Error('writer exited early')));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const rss = new RssPeak();
  const t0 = performance.now();
  const store = await open(dir, createAsyncFlushPolicy());
  const recoveryMs = Math.round(performance.now() - t0);
  const rec = store.recovery;
  await store.close();
  emit({
    scenario: 'recovery-after-kill9',
    recoveryMs,
    logMbAtKill: Math.round(reported / 1048576),
    scannedRecords: rec?.records,
    tornTail: rec?.torn,
    rssMb: rss.stop(),
  });
}

export async function main(argv: string[]): Promise<void> {
  const only = arg(argv, 'scenario');
  const countArg = arg(argv, 'count');
  const n = (d: number): number => (countArg === undefined ? d : Number(countArg));
  const scenarios: Record<string, (dir: string) => Promise<void>> = {
    'async-append': (dir) => appendScenario('async-append', dir, createAsyncFlushPolicy(), n(1_000_000), 4096),
    'sync-append-256-inflight': (dir) => appendScenario('sync-append-256-inflight', dir, createSyncFlushPolicy(), n(300_000), 256),
    'sequential-read': (dir) => readScenario(dir, n(1_000_000), false),
    'sequential-read-queue-by-queue': (dir) => readScenario(dir, n(1_000_000), true),
    'backlog-1m-single-queue': (dir) => backlogScenario(dir, n(1_000_000)),
    'recovery-after-kill9': (dir) => recoveryScenario(dir, n(1024) * 1048576),
  };
  for (const [name, run] of Object.entries(scenarios)) {
    if (only !== undefined && only !== name) continue;
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `cometmq-bench-${name}-`));
    try {
      await run(dir);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }
}
