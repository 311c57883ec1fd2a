import { type ChildProcess, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { RequestCode, ResponseCode } from '../kernel/protocol/remoting/codes.js';
import { createRemotingClient } from '../kernel/protocol/remoting/client.js';
import { parseTopicRouteData } from '../kernel/protocol/remoting/route.js';
import { arg, args, BROKER_NODE_FLAGS, procStats, stopChild } from './broker-process.js';
import type { ChildReport, ClientCommand, ProducerPlan } from './native-protocol.js';

/**
 * Native-protocol benchmark (issue 3): a broker (`cometmq start`, its own process, embedded name
 * server), a producer process and a consumer process (bench/native-client.ts, sdk-node), 1 KiB
 * messages on one topic with 16 queues, producing and consuming at the same time. One JSON line
 * per scenario. See docs/performance.md "Native protocol".
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const CLI = path.join(ROOT, 'kernel/cli/cometmq.mjs');
const TOPIC = 'BenchNative';
const QUEUES = 16;
const BODY_BYTES = 1024;

interface Scenario {
  readonly flush: 'flush-async' | 'flush-sync';
  readonly rate: number;
  readonly inflight: number;
}

const SCENARIOS: Record<string, Scenario> = {
  'async-max': { flush: 'flush-async', rate: 0, inflight: 512 },
  'sync-max': { flush: 'flush-sync', rate: 0, inflight: 512 },
  'async-5k': { flush: 'flush-async', rate: 5000, inflight: 0 },
  'sync-5k': { flush: 'flush-sync', rate: 5000, inflight: 0 },
};

interface Options {
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly inflight: number | undefined;
  readonly profileDir: string | undefined;
  readonly consumeConcurrency: number;
  readonly pullBatchSize: number;
  readonly brokerSets: readonly string[];
  /** Node flags of every process (broker, producer, consumer). */
  readonly nodeFlags: readonly string[];
}


interface Broker {
  readonly child: ChildProcess;
  readonly brokerAddr: string;
  readonly namesrvAddr: string;
}

function profileArgs(o: Options, name: string): string[] {
  return o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(o.profileDir, name)}`];
}

async function startBroker(dataDir: string, s: Scenario, o: Options, label: string): Promise<Broker> {
  const load = ['metadata-file', 'store-commitlog', s.flush, 'index-rocksdb', 'auth-allow-all', 'messaging', 'remoting', 'namesrv', 'broker-registration'];
  const sets = ['plugins.remoting.host=127.0.0.1', 'plugins.remoting.port=0', 'plugins.namesrv.host=127.0.0.1', 'plugins.namesrv.port=0', ...o.brokerSets];
  const args = [...o.nodeFlags, ...profileArgs(o, `broker-${label}`), CLI, 'start', '--data-dir', dataDir, '--log-level', 'error', '--load', load.join(',')];
  for (const x of sets) args.push('--set', x);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const lines = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker not ready in 30 s:\n${out}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('cometmq ready')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before ready:\n${out}`)));
  });
  const addr = (door: string): string => {
    const m = new RegExp(`door ${door} listening on tcp://([^\\s]+)`).exec(lines);
    if (m === null) throw new Error(`no ${door} address in:\n${lines}`);
    return m[1]!;
  };
  return { child, brokerAddr: addr('remoting'), namesrvAddr: addr('namesrv') };
}

/** UPDATE_AND_CREATE_TOPIC with 16 queues, then wait until the name server routes all 16. */
async function createTopic(b: Broker): Promise<void> {
  const client = createRemotingClient({ requestTimeoutMs: 5000 });
  try {
    const created = await client.invoke(b.brokerAddr, {
      code: RequestCode.UPDATE_AND_CREATE_TOPIC,
      extFields: { topic: TOPIC, defaultTopic: 'TBW102', readQueueNums: QUEUES, writeQueueNums: QUEUES, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false },
    });
    if (created.code !== ResponseCode.SUCCESS) throw new Error(`create topic: ${created.code} ${created.remark ?? ''}`);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await client.invoke(b.namesrvAddr, { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic: TOPIC } });
      if (r.code === ResponseCode.SUCCESS && parseTopicRouteData(r.body).queueDatas.some((q) => q.writeQueueNums === QUEUES)) return;
      if (Date.now() > deadline) throw new Error('topic route never reached the name server');
      await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    await client.close();
  }
}

function forkClient(role: 'producer' | 'consumer', o: Options, label: string): ChildProcess {
  return fork(path.join(HERE, 'native-client.ts'), [role], {
    execArgv: [...o.nodeFlags, '--import=tsx', ...profileArgs(o, `${role}-${label}`)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function reports(child: ChildProcess): () => Promise<ChildReport> {
  const got: ChildReport[] = [];
  let waiting: ((r: ChildReport) => void) | undefined;
  let failed: Error | undefined;
  child.on('message', (m: ChildReport) => {
    if (waiting !== undefined) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else got.push(m);
  });
  const onExit = (code: number | null): void => {
    failed = new Error(`bench client exited with ${code}`);
  };
  child.on('exit', onExit);
  return () => {
    const r = got.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (failed !== undefined) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      waiting = resolve;
      child.once('exit', (code) => reject(new Error(`bench client exited with ${code}`)));
    });
  };
}

function expectType<T extends ChildReport['type']>(r: ChildReport, type: T): Extract<ChildReport, { type: T }> {
  if (r.type !== type) throw new Error(`expected ${type}, got ${r.type}`);
  return r as Extract<ChildReport, { type: T }>;
}

const ms = (h: hdr.Histogram, p: number): number => Math.round(h.getValueAtPercentile(p)) / 1000;

async function runScenario(name: string, s: Scenario, o: Options): Promise<void> {
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `cometmq-bench-native-${name}-`));
  const children: ChildProcess[] = [];
  try {
    const broker = await startBroker(dataDir, s, o, name);
    children.push(broker.child);
    await createTopic(broker);
    const plan: ProducerPlan = { topic: TOPIC, bodyBytes: BODY_BYTES, durationMs: o.durationMs, warmupMs: o.warmupMs, rate: s.rate, inflight: o.inflight ?? s.inflight };
    const consumer = forkClient('consumer', o, name);
    const producer = forkClient('producer', o, name);
    children.push(consumer, producer);
    const fromConsumer = reports(consumer);
    const fromProducer = reports(producer);
    const init: ClientCommand = { type: 'init', namesrvAddr: broker.namesrvAddr, plan, consumeConcurrency: o.consumeConcurrency, pullBatchSize: o.pullBatchSize };
    consumer.send(init);
    producer.send(init);
    expectType(await fromConsumer(), 'ready');
    expectType(await fromProducer(), 'ready');
    const cpu0 = procStats(broker.child.pid!).cpuSecs;
    const t0 = performance.timeOrigin + performance.now();
    consumer.send({ type: 'go', t0 } satisfies ClientCommand);
    producer.send({ type: 'go', t0 } satisfies ClientCommand);
    const p = expectType(await fromProducer(), 'producerDone');
    consumer.send({ type: 'expect', total: p.produced, timeoutMs: 30_000 } satisfies ClientCommand);
    const c = expectType(await fromConsumer(), 'consumerDone');
    const brokerStats = procStats(broker.child.pid!);
    const consumeSecs = (c.last - p.t0) / 1000;
    const lat = hdr.decodeFromCompressedBase64(p.latency);
    const e2e = hdr.decodeFromCompressedBase64(c.e2e);
    const line = {
      bench: 'native',
      scenario: name,
      msgsPerSec: Math.round(c.consumed / consumeSecs),
      producedPerSec: Math.round(p.produced / p.secs),
      p50Ms: ms(lat, 50),
      p99Ms: ms(lat, 99),
      ...(s.rate > 0 ? { scheduleLagP99Ms: ms(hdr.decodeFromCompressedBase64(p.scheduleLag), 99) } : {}),
      e2eP50Ms: ms(e2e, 50),
      e2eP99Ms: ms(e2e, 99),
      rssMb: brokerStats.rssMb,
      producerRssMb: p.rssMb,
      consumerRssMb: c.rssMb,
      brokerCpuPct: Math.round(((brokerStats.cpuSecs - cpu0) / consumeSecs) * 100),
      produced: p.produced,
      consumed: c.consumed,
      duplicates: c.duplicates,
      sendErrors: p.errors,
      ...(p.errorSample === undefined ? {} : { errorSample: p.errorSample }),
      flush: s.flush === 'flush-sync' ? 'sync' : 'async',
      ...(s.rate > 0 ? { rate: s.rate } : { inflight: plan.inflight }),
      durationSecs: o.durationMs / 1000,
      nodeFlags: o.nodeFlags.join(' '),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    await fs.promises.rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- native [--scenario NAME] [--duration SECS] [--inflight N] [--profile DIR]
 * [--consume-concurrency N] [--pull-batch N] [--broker-set path=value]… [--node-flag FLAG|none]…`
 */
export async function main(argv: string[]): Promise<void> {
  const only = arg(argv, 'scenario');
  const inflight = arg(argv, 'inflight');
  const profile = arg(argv, 'profile');
  const o: Options = {
    durationMs: Number(arg(argv, 'duration') ?? 8) * 1000,
    warmupMs: 1000,
    inflight: inflight === undefined ? undefined : Number(inflight),
    profileDir: profile === undefined ? undefined : path.resolve(profile),
    consumeConcurrency: Number(arg(argv, 'consume-concurrency') ?? 16),
    pullBatchSize: Number(arg(argv, 'pull-batch') ?? 32),
    brokerSets: args(argv, 'broker-set'),
    nodeFlags: args(argv, 'node-flag').length > 0 ? args(argv, 'node-flag').filter((f) => f !== 'none') : BROKER_NODE_FLAGS, // the broker's flags (npm start); the clients get the same
  };
  if (only !== undefined && SCENARIOS[only] === undefined) throw new Error(`unknown scenario ${only}: ${Object.keys(SCENARIOS).join(', ')}`);
  for (const [name, s] of Object.entries(SCENARIOS)) {
    if (only !== undefined && only !== name) continue;
    await runScenario(name, s, o);
  }
}
