import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, childLines, procStats, startBrokerProcess, stopChild } from './broker-process.js';

/**
 * MQTT door benchmark (issue 5): `npm run bench -- mqtt [--count N] [--window N] [--runs N]`. A
 * publisher process and a subscriber process (mqtt.js, bench/mqtt-client.ts), 1 KiB at QoS 1 on
 * one topic, at most `window` publishes unacknowledged. The same harness runs against `cometmq
 * start` and, when /usr/sbin/mosquitto is installed (Debian `mosquitto`), against Mosquitto.
 * msgsPerSec: messages over publisher start → last message at the subscriber.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const MOSQUITTO = '/usr/sbin/mosquitto';

interface Options {
  readonly count: number;
  readonly window: number;
  readonly bytes: number;
}

function client(role: 'sub' | 'pub', url: string, o: Options): { child: ChildProcess; next: () => Promise<string> } {
  const child = spawn(process.execPath, ['--import=tsx', path.join(HERE, 'mqtt-client.ts'), role, url, String(o.count), String(o.window), String(o.bytes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const next = childLines(child, `mqtt bench ${role}`);
  return { child, next };
}

async function runOnce(url: string, o: Options): Promise<{ msgsPerSec: number; p50Ms: number; p99Ms: number; publishSecs: number }> {
  const sub = client('sub', url, o);
  try {
    if ((await sub.next()) !== 'ready') throw new Error('subscriber did not get ready');
    const pub = client('pub', url, o);
    try {
      const p = JSON.parse(await pub.next()) as { start: number; secs: number };
      const s = JSON.parse(await sub.next()) as { last: number; p50Ms: number; p99Ms: number };
      return { msgsPerSec: Math.round(o.count / ((s.last - p.start) / 1000)), p50Ms: s.p50Ms, p99Ms: s.p99Ms, publishSecs: p.secs };
    } finally {
      await stopChild(pub.child);
    }
  } finally {
    await stopChild(sub.child);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Mosquitto on a loopback port with a config that drops nothing: its default max_queued_messages
 * (1000) discards QoS 1 messages once a subscriber's in-flight window is full, which this load does.
 */
async function startMosquitto(): Promise<{ child: ChildProcess; url: string; dir: string }> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 0', 'persistence false', ''].join('\n'));
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return { child, url: `mqtt://127.0.0.1:${port}`, dir };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`mosquitto did not start: ${err}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

type Result = Awaited<ReturnType<typeof runOnce>>;
type Report = (broker: string, results: Result[], extra?: Record<string, unknown>) => void;

/** Warm-up, then `runs` measured runs against one broker; returns its CPU µs per message. */
async function measure(url: string, pid: number, o: Options, runs: number): Promise<{ results: Result[]; cpuUsPerMsg: number }> {
  await runOnce(url, { ...o, count: Math.min(o.count, 20_000) });
  const results: Result[] = [];
  const cpu0 = procStats(pid).cpuSecs;
  for (let i = 0; i < runs; i++) results.push(await runOnce(url, o));
  return { results, cpuUsPerMsg: Math.round(((procStats(pid).cpuSecs - cpu0) / (runs * o.count)) * 1e6 * 10) / 10 };
}

async function runCometMq(o: Options, runs: number, report: Report): Promise<void> {
  const broker = await startBrokerProcess('mqtt');
  try {
    const url = broker.doors.get('mqtt');
    if (url === undefined) throw new Error('the broker printed no mqtt door');
    const m = await measure(url, broker.child.pid!, o, runs);
    report('cometmq', m.results, { rssMb: procStats(broker.child.pid!).rssMb, brokerCpuUsPerMsg: m.cpuUsPerMsg });
  } finally {
    await broker.stop();
  }
}

async function runMosquitto(o: Options, runs: number, report: Report): Promise<void> {
  if (!existsSync(MOSQUITTO)) {
    process.stderr.write(`(${MOSQUITTO} not installed: no Mosquitto reference run; apt-get install mosquitto)\n`);
    return;
  }
  const broker = await startMosquitto();
  try {
    const m = await measure(broker.url, broker.child.pid!, o, runs);
    report('mosquitto', m.results, { brokerCpuUsPerMsg: m.cpuUsPerMsg });
  } finally {
    await stopChild(broker.child);
    await rm(broker.dir, { recursive: true, force: true });
  }
}

/** `--only cometmq|mosquitto` runs one side; both by default. */
export async function main(argv: string[]): Promise<void> {
  const o: Options = { count: Number(arg(argv, 'count') ?? 100_000), window: Number(arg(argv, 'window') ?? 1000), bytes: Number(arg(argv, 'bytes') ?? 1024) };
  const runs = Number(arg(argv, 'runs') ?? 3);
  const report: Report = (broker, results, extra = {}) => {
    process.stdout.write(
      `${JSON.stringify({ bench: 'mqtt', scenario: 'qos1', broker, msgsPerSec: median(results.map((r) => r.msgsPerSec)), p50Ms: median(results.map((r) => r.p50Ms)), p99Ms: median(results.map((r) => r.p99Ms)), runs: results.map((r) => r.msgsPerSec), count: o.count, window: o.window, bytes: o.bytes, ...extra })}\n`,
    );
  };
  const only = arg(argv, 'only');
  if (only !== 'mosquitto') await runCometMq(o, runs, report);
  if (only !== 'cometmq') await runMosquitto(o, runs, report);
}
