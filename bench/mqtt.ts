import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, childLines, median, procStats, startBrokerProcess, stopChild } from './broker-process.js';

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


type Result = Awaited<ReturnType<typeof runOnce>>;

/** A broker under test: its URL and process (for CPU time), and how to stop it. */
interface Target {
  readonly name: 'cometmq' | 'mosquitto';
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startCometMq(): Promise<Target> {
  const broker = await startBrokerProcess('mqtt');
  const url = broker.doors.get('mqtt');
  if (url === undefined) {
    await broker.stop();
    throw new Error('the broker printed no mqtt door');
  }
  return { name: 'cometmq', url, pid: broker.child.pid!, stop: () => broker.stop() };
}

async function startMosquittoTarget(): Promise<Target | undefined> {
  if (!existsSync(MOSQUITTO)) {
    process.stderr.write(`(${MOSQUITTO} not installed: no Mosquitto reference run; apt-get install mosquitto)\n`);
    return undefined;
  }
  const m = await startMosquitto();
  return {
    name: 'mosquitto',
    url: m.url,
    pid: m.child.pid!,
    stop: async () => {
      await stopChild(m.child);
      await rm(m.dir, { recursive: true, force: true });
    },
  };
}

/**
 * `--only cometmq|mosquitto` runs one side; by default both brokers run at once and the measured
 * runs alternate between them (CometMQ, Mosquitto, CometMQ, …), so a drift in the machine's speed
 * lands on both alike; `ratio` is the median of the per-round CometMQ / Mosquitto ratios.
 */
export async function main(argv: string[]): Promise<void> {
  const o: Options = { count: Number(arg(argv, 'count') ?? 100_000), window: Number(arg(argv, 'window') ?? 1000), bytes: Number(arg(argv, 'bytes') ?? 1024) };
  const runs = Number(arg(argv, 'runs') ?? 3);
  const only = arg(argv, 'only');
  const targets: Target[] = [];
  try {
    if (only !== 'mosquitto') targets.push(await startCometMq());
    if (only !== 'cometmq') {
      const m = await startMosquittoTarget();
      if (m !== undefined) targets.push(m);
    }
    for (const t of targets) await runOnce(t.url, { ...o, count: Math.min(o.count, 20_000) }); // warm-up
    const results = new Map<Target, Result[]>(targets.map((t) => [t, []]));
    const cpu = new Map<Target, number>();
    for (let i = 0; i < runs; i++) {
      for (const t of targets) {
        const before = procStats(t.pid).cpuSecs;
        results.get(t)!.push(await runOnce(t.url, o));
        cpu.set(t, (cpu.get(t) ?? 0) + procStats(t.pid).cpuSecs - before);
      }
    }
    const [a, b] = targets;
    const ratios = a !== undefined && b !== undefined ? results.get(a)!.map((r, i) => r.msgsPerSec / results.get(b)![i]!.msgsPerSec) : [];
    for (const t of targets) {
      const rs = results.get(t)!;
      const extra: Record<string, unknown> = { brokerCpuUsPerMsg: Math.round((cpu.get(t)! / (runs * o.count)) * 1e7) / 10 };
      if (t.name === 'cometmq') {
        extra.rssMb = procStats(t.pid).rssMb;
        if (ratios.length > 0) extra.ratio = Math.round(median(ratios) * 1000) / 1000;
      }
      process.stdout.write(
        `${JSON.stringify({ bench: 'mqtt', scenario: 'qos1', broker: t.name, msgsPerSec: Math.round(median(rs.map((r) => r.msgsPerSec))), p50Ms: median(rs.map((r) => r.p50Ms)), p99Ms: median(rs.map((r) => r.p99Ms)), runs: rs.map((r) => r.msgsPerSec), count: o.count, window: o.window, bytes: o.bytes, ...extra })}\n`,
      );
    }
  } finally {
    for (const t of targets) await t.stop();
  }
}
