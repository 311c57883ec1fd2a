import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A broker (`cometmq start`) in its own process for the door benches, every door on 127.0.0.1:0. */
export interface BrokerProcess {
  readonly child: ChildProcess;
  /** door name → address as printed (`tcp://…`, `http://…`). */
  readonly doors: ReadonlyMap<string, string>;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'kernel/cli/cometmq.mjs');
/** What `npm start` and the bin use (docs/configuration.md "Node runtime flags"). */
export const BROKER_NODE_FLAGS = ['--v8-pool-size=1', '--max-semi-space-size=32', '--initial-old-space-size=128'];

export async function startBrokerProcess(name: string, sets: readonly string[] = []): Promise<BrokerProcess> {
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `cometmq-bench-${name}-`));
  const loopback = ['remoting', 'namesrv', 'http', 'mqtt', 'stomp'].flatMap((p) => ['--set', `plugins.${p}.host=127.0.0.1`, '--set', `plugins.${p}.port=0`]);
  const args = [...BROKER_NODE_FLAGS, CLI, 'start', '--data-dir', dataDir, '--log-level', 'error', ...loopback, ...sets.flatMap((s) => ['--set', s])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker not ready in 30 s:\n${out}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('cometmq ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before ready:\n${out}`)));
  });
  const doors = new Map<string, string>();
  for (const m of out.matchAll(/door (\S+) listening on (\S+)/g)) doors.set(m[1]!, m[2]!);
  return {
    child,
    doors,
    dataDir,
    async stop() {
      await stopChild(child);
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Peak RSS (VmHWM) and CPU seconds of a Linux process. */
export function procStats(pid: number): { rssMb: number; cpuSecs: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rssMb: Math.round(hwm / 1024), cpuSecs: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return { rssMb: 0, cpuSecs: 0 };
  }
}

export function arg(argv: readonly string[], name: string): string | undefined {
  return args(argv, name).at(-1);
}

/** Every value of a repeatable `--name value` (or `--name=value`) option. */
export function args(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === `--${name}` && argv[i + 1] !== undefined) out.push(argv[i + 1]!);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  });
  return out;
}

/** Read a child's stdout line by line: `next()` resolves with the next line, or rejects once the child exited. */
export function childLines(child: ChildProcess, what: string): () => Promise<string> {
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  let exited = false;
  let buf = '';
  child.once('exit', () => (exited = true));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return () =>
    lines.length > 0
      ? Promise.resolve(lines.shift()!)
      : new Promise((resolve, reject) => {
          if (exited) return reject(new Error(`${what} exited early`));
          waiting.push(resolve);
          child.once('exit', (code) => reject(new Error(`${what} exited (${code}) early`)));
        });
}

/** The median (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
