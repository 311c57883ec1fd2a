import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import * as hdr from 'hdr-histogram-js';
import { arg, args, type BrokerProcess, procStats, startBrokerProcess, stopChild } from './broker-process.js';

/**
 * HTTP door benchmark (issue 4): `npm run bench -- http [--scenario NAME] [--duration SECS]
 * [--connections N] [--rounds N] [--broker-set path=value]…`. The broker is `cometmq start` in its
 * own process; the load comes from autocannon in this process, after a 2 s warm-up of the same
 * load on the same server (every server, the bare one too). Scenarios:
 *  - bare-hono: a hono route on @hono/node-server that only reads the 1 KiB body and answers
 *    (bench/bare-servers.ts, own process): the reference for the next one.
 *  - post-single: one raw 1 KiB message per POST, keep-alive, measured in rounds alternating with
 *    bare-hono's; reports ratioToBareHono (median of the rounds' ratios) and roundRatios.
 *  - post-batch-32: 32 messages of 1 KiB per JSON POST.
 *  - longpoll-wakeup: a parked receive (long poll) and one produce: produce start → receive answer.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOPIC = 'BenchHttp';
const BODY = Buffer.alloc(1024, 97);

interface Options {
  readonly durationSecs: number;
  readonly connections: number;
  /** `--broker-set path=value`: broker config for every scenario. */
  readonly brokerSets: readonly string[];
}

/** A reference server of bench/bare-servers.ts in its own process, once it listens. */
export async function startBare(kind: 'hono' | 'ws'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import=tsx', path.join(HERE, 'bare-servers.ts'), kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare ${kind} server exited with ${code}`)));
  });
  return { child, port };
}

function cannonOnce(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Seconds of the same load, not measured, before each measured run: both servers JIT-compile their hot paths first. */
const WARMUP_SECS = 2;

/** The warm-up run: the same load for WARMUP_SECS, result dropped. */
async function warm(opts: autocannon.Options): Promise<void> {
  await cannonOnce({ ...opts, duration: WARMUP_SECS });
}

function line(scenario: string, r: autocannon.Result, perRequest: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    bench: 'http',
    scenario,
    msgsPerSec: Math.round(r.requests.average * perRequest),
    reqPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    ...extra,
  };
}

export function httpBase(broker: BrokerProcess): string {
  const http = broker.doors.get('http');
  if (http === undefined) throw new Error('the broker printed no http door');
  return http.replace('0.0.0.0', '127.0.0.1');
}

export async function createBenchTopic(base: string, topic: string, queues: number): Promise<void> {
  const r = await fetch(`${base}/v1/topics/${topic}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ readQueueNums: queues, writeQueueNums: queues }) });
  if (!r.ok) throw new Error(`create topic: ${r.status} ${await r.text()}`);
}

async function withBroker<T>(name: string, o: Options, run: (base: string, broker: BrokerProcess) => Promise<T>): Promise<T> {
  const broker = await startBrokerProcess(name, o.brokerSets);
  try {
    const base = httpBase(broker);
    await createBenchTopic(base, TOPIC, 16);
    return await run(base, broker);
  } finally {
    await broker.stop();
  }
}

/** Measured rounds of bare-hono and post-single, alternating, each `durationSecs / PAIRED_ROUNDS` long. */
const PAIRED_ROUNDS = 4;

interface Rounds {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly perRound: readonly number[];
}

function rounds(results: readonly autocannon.Result[]): Rounds {
  const perRound = results.map((r) => r.requests.average);
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  return {
    reqPerSec: Math.round(perRound.reduce((a, b) => a + b, 0) / perRound.length),
    p50Ms: sorted(results.map((r) => r.latency.p50))[results.length >> 1]!,
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0),
    perRound: perRound.map(Math.round),
  };
}

/**
 * bare-hono and post-single: both servers up and warmed, then PAIRED_ROUNDS rounds of bare, broker,
 * bare, broker …; the ratio is the median of the rounds' ratios, so it holds when the machine's speed
 * drifts (this VM's host is noisy: the bare route alone has varied 2× between runs minutes apart).
 */
async function singleVsBare(o: Options, single: boolean): Promise<void> {
  const bare = await startBare('hono');
  try {
    const secs = o.durationSecs / PAIRED_ROUNDS;
    const load = (url: string): autocannon.Options => ({ url, method: 'POST', body: BODY, headers: { 'content-type': 'application/octet-stream' }, connections: o.connections, duration: secs });
    const bareLoad = load(`http://127.0.0.1:${bare.port}/echo`);
    await warm(bareLoad);
    if (!single) {
      const b: autocannon.Result[] = [];
      for (let i = 0; i < PAIRED_ROUNDS; i++) b.push(await cannonOnce(bareLoad));
      const rb = rounds(b);
      process.stdout.write(`${JSON.stringify({ bench: 'http', scenario: 'bare-hono', msgsPerSec: rb.reqPerSec, ...rb, connections: o.connections })}\n`);
      return;
    }
    await withBroker('http-single', o, async (base, broker) => {
      const singleLoad = load(`${base}/v1/topics/${TOPIC}/messages`);
      await warm(singleLoad);
      const b: autocannon.Result[] = [];
      const m: autocannon.Result[] = [];
      let brokerCpu = 0;
      for (let i = 0; i < PAIRED_ROUNDS; i++) {
        b.push(await cannonOnce(bareLoad));
        const cpu0 = procStats(broker.child.pid!).cpuSecs;
        m.push(await cannonOnce(singleLoad));
        brokerCpu += procStats(broker.child.pid!).cpuSecs - cpu0;
      }
      const rb = rounds(b);
      const rm = rounds(m);
      const ratios = rm.perRound.map((x, i) => Math.round((x / rb.perRound[i]!) * 100) / 100);
      const ratio = [...ratios].sort((x, y) => x - y)[ratios.length >> 1]!;
      process.stdout.write(`${JSON.stringify({ bench: 'http', scenario: 'bare-hono', msgsPerSec: rb.reqPerSec, ...rb, connections: o.connections })}\n`);
      const s = procStats(broker.child.pid!);
      process.stdout.write(
        `${JSON.stringify({ bench: 'http', scenario: 'post-single', msgsPerSec: rm.reqPerSec, ...rm, connections: o.connections, rssMb: s.rssMb, brokerCpuPct: Math.round((brokerCpu / o.durationSecs) * 100), bareHonoReqPerSec: rb.reqPerSec, ratioToBareHono: ratio, roundRatios: ratios })}\n`,
      );
    });
  } finally {
    await stopChild(bare.child);
  }
}

async function postBatch(o: Options): Promise<void> {
  const text = BODY.toString('utf8');
  const body = JSON.stringify({ messages: Array.from({ length: 32 }, () => ({ body: text })) });
  await withBroker('http-batch', o, async (base, broker) => {
    const load: autocannon.Options = { url: `${base}/v1/topics/${TOPIC}/messages`, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: o.connections, duration: o.durationSecs };
    await warm(load);
    const cpu0 = procStats(broker.child.pid!).cpuSecs;
    const r = await cannonOnce(load);
    const s = procStats(broker.child.pid!);
    process.stdout.write(`${JSON.stringify(line('post-batch-32', r, 32, { connections: o.connections, rssMb: s.rssMb, brokerCpuPct: Math.round(((s.cpuSecs - cpu0) / o.durationSecs) * 100) }))}\n`);
  });
}

/** A POST over a keep-alive node:http agent: resolves when the response is complete. */
function post(agent: http.Agent, url: string, body: Buffer | string, contentType: string, onHeaders?: () => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      onHeaders?.();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Long-poll wake-up: a receive parked on the broker, then one produce; the figure is produce start
 * → the receive's answer (its status line and headers) at the client. Each side has its own
 * keep-alive connection (node:http agents), as an application would; fetch() is not used because
 * its own cost in Node (~1 ms a request) would be charged to the broker.
 */
async function longPollWakeup(rounds: number, o: Options): Promise<void> {
  await withBroker('http-longpoll', o, async (base) => {
    const build = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
    const h = build();
    const ph = build();
    const recvAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sendAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const recvUrl = `${base}/v1/groups/BenchLp/topics/${TOPIC}/receive`;
    const recvBody = JSON.stringify({ max: 1, waitMs: 20_000, invisibleMs: 60_000 });
    try {
      for (let i = 0; i < rounds; i++) {
        let t1 = 0;
        const got = post(recvAgent, recvUrl, recvBody, 'application/json', () => (t1 = performance.now()));
        // Give the receive time to park (bench only: the figure is produce → answer, not this wait).
        await new Promise((r) => setTimeout(r, 15));
        const t0 = performance.now();
        const produced = post(sendAgent, `${base}/v1/topics/${TOPIC}/messages`, BODY, 'application/octet-stream').then((r) => {
          if (r.status !== 200) throw new Error(`produce answered ${r.status}: ${r.body}`);
          return performance.now();
        });
        const resp = await got;
        const tp = await produced;
        const { messages } = JSON.parse(resp.body) as { messages: { receiptHandle: string }[] };
        if (messages.length !== 1) throw new Error(`round ${i}: receive answered ${messages.length} messages`);
        if (i >= 10) {
          h.recordValue(Math.max(1, Math.round((t1 - t0) * 1000)));
          ph.recordValue(Math.max(1, Math.round((tp - t0) * 1000)));
        }
        const acked = await post(sendAgent, `${base}/v1/groups/BenchLp/ack`, JSON.stringify({ receiptHandles: [messages[0]!.receiptHandle] }), 'application/json');
        if (acked.status !== 200) throw new Error(`ack answered ${acked.status}: ${acked.body}`);
      }
    } finally {
      recvAgent.destroy();
      sendAgent.destroy();
    }
    const ms = (x: hdr.Histogram, p: number): number => Math.round(x.getValueAtPercentile(p)) / 1000;
    process.stdout.write(`${JSON.stringify({ bench: 'http', scenario: 'longpoll-wakeup', rounds: rounds - 10, p50Ms: ms(h, 50), p99Ms: ms(h, 99), maxMs: ms(h, 100), produceP50Ms: ms(ph, 50), produceP99Ms: ms(ph, 99) })}\n`);
  });
}

export async function main(argv: string[]): Promise<void> {
  const only = arg(argv, 'scenario');
  const o: Options = { durationSecs: Number(arg(argv, 'duration') ?? 8), connections: Number(arg(argv, 'connections') ?? 16), brokerSets: args(argv, 'broker-set') };
  const want = (s: string): boolean => only === undefined || only === s;
  const known = ['bare-hono', 'post-single', 'post-batch-32', 'longpoll-wakeup'];
  if (only !== undefined && !known.includes(only)) throw new Error(`unknown scenario ${only}: ${known.join(', ')}`);
  if (want('bare-hono') || want('post-single')) await singleVsBare(o, want('post-single'));
  if (want('post-batch-32')) await postBatch(o);
  if (want('longpoll-wakeup')) await longPollWakeup(Number(arg(argv, 'rounds') ?? 300), o);
}
