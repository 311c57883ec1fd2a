import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Debian packages a test needs (chromium, mosquitto-clients): found where Debian installs them, or
 * installed with apt-get (as root, else through `sudo -n`), bounded in time, with a clear error
 * when that is impossible.
 */

export interface EnsureOptions {
  /** Bound for the whole installation, apt-get update included (default 240 s: under ava's 5 min). */
  readonly installTimeoutMs?: number;
}

interface RunResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Run a command with a deadline; never throws (the caller reports). */
function run(command: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    if (timeoutMs <= 0) return resolve({ ok: false, output: 'no time left' });
    execFile(
      command,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (error, stdout, stderr) => {
        const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n');
        resolve({ ok: error === null, output: error === null ? tail : `${error.message}\n${tail}` });
      },
    );
  });
}

/** `apt-get …` as root, or through passwordless sudo. */
function aptGet(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  const root = process.getuid?.() === 0;
  return root ? run('apt-get', args, timeoutMs) : run('sudo', ['-n', 'apt-get', ...args], timeoutMs);
}

/** Per package, one installation at a time within a test process. */
const installing = new Map<string, Promise<RunResult>>();

/**
 * The first existing file of `candidates`, installing Debian package `pkg` first when none exists.
 * Throws with the command to run by hand when it cannot be installed.
 */
export async function ensureDebianFile(pkg: string, candidates: readonly string[], options: EnsureOptions = {}): Promise<string> {
  const find = (): string | undefined => candidates.find((file) => existsSync(file));
  const found = find();
  if (found !== undefined) return found;
  const timeoutMs = options.installTimeoutMs ?? 240_000;
  let pending = installing.get(pkg);
  if (pending === undefined) {
    pending = install(pkg, timeoutMs);
    installing.set(pkg, pending);
  }
  const result = await pending;
  const installed = find();
  if (installed !== undefined) return installed;
  throw new Error(
    `${pkg} is not installed (looked for ${candidates.join(', ')}) and installing Debian's ${pkg} package failed` +
      ` (apt-get as root or via sudo -n, within ${timeoutMs} ms). Install it with \`apt-get install -y ${pkg}\`. Last output:\n${result.output}`,
  );
}

async function install(pkg: string, timeoutMs: number): Promise<RunResult> {
  const deadline = performance.now() + timeoutMs;
  const left = (): number => Math.floor(deadline - performance.now());
  const args = ['install', '-y', '--no-install-recommends', pkg];
  const result = await aptGet(args, left());
  if (result.ok) return result;
  // Package lists may be missing or stale on a fresh machine: refresh once and try again.
  const update = await aptGet(['update'], left());
  return update.ok ? aptGet(args, left()) : update;
}
