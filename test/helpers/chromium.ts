import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core (no
 * downloaded browser). When it is missing, it is installed with apt-get (as root, else through
 * `sudo -n`), bounded in time, with a clear error when that is impossible.
 */

/** Where Debian/Ubuntu put it; CHROMIUM_PATH is looked at first. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Flags that matter on CI machines: without the background-networking ones Chromium stalls on
 * refused connections to Google services; QUIC and the GPU are of no use headless.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

export interface EnsureChromiumOptions {
  /** Bound for the whole installation, apt-get update included (default 240 s: under ava's 5 min). */
  readonly installTimeoutMs?: number;
}

function searchPath(): string[] {
  const override = process.env.CHROMIUM_PATH;
  return override === undefined || override === '' ? CANDIDATES : [override, ...CANDIDATES];
}

function findChromium(): string | undefined {
  return searchPath().find((file) => existsSync(file));
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

/** The Chromium executable, installing Debian's `chromium` package first when it is missing. */
export async function ensureChromium(options: EnsureChromiumOptions = {}): Promise<string> {
  const found = findChromium();
  if (found !== undefined) return found;
  const deadline = performance.now() + (options.installTimeoutMs ?? 240_000);
  const left = (): number => Math.floor(deadline - performance.now());
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  let result = await aptGet(install, left());
  if (!result.ok) {
    // Package lists may be missing or stale on a fresh machine: refresh once and try again.
    const update = await aptGet(['update'], left());
    result = update.ok ? await aptGet(install, left()) : update;
  }
  const installed = findChromium();
  if (installed !== undefined) return installed;
  throw new Error(
    `Chromium is not installed (looked for ${searchPath().join(', ')}) and installing Debian's chromium package failed` +
      ` (apt-get as root or via sudo -n, within ${options.installTimeoutMs ?? 240_000} ms). Install it with` +
      ` \`apt-get install -y chromium\` or set CHROMIUM_PATH. Last output:\n${result.output}`,
  );
}

/**
 * Launch headless Chromium. playwright's launch() gives every browser a fresh temporary profile
 * (user-data-dir) and removes it on close(): tests start from a clean state.
 */
export async function launchChromium(options: EnsureChromiumOptions = {}): Promise<Browser> {
  const executablePath = await ensureChromium(options);
  return chromium.launch({ executablePath, headless: true, timeout: 60_000, args: [...CHROMIUM_ARGS] });
}
