import { type ChildProcessByStdio, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Bundle a TypeScript child script once (packages external) so each spawn is a plain, fast
 * `node file.mjs`. The bundle lives under node_modules/.cache so bare imports resolve.
 */
export async function bundleChild(entry: string): Promise<{ file: string; remove: () => void }> {
  const dir = path.join(ROOT, 'node_modules', '.cache', 'cometmq-test');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(entry, '.ts')}-${process.pid}-${Date.now()}.mjs`);
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: file, logLevel: 'silent' });
  return { file, remove: () => fs.rmSync(file, { force: true }) };
}

export type StoreChild = ChildProcessByStdio<null, Readable, Readable>;

/** Spawn `node file args`; lines of stdout go to onLine. */
export function spawnChild(file: string, args: string[], onLine: (line: string) => void): StoreChild {
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr.resume();
  return child;
}

export function exited(child: StoreChild): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
