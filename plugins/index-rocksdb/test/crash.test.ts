import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allPages } from '../../../test/contracts/message-index.contract.js';
import { openRocksIndex } from '../rocks-index.js';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Run the child until it has acknowledged at least `minAcked`, then SIGKILL it; returns the last ack. */
function runAndKill(dir: string, minAcked: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import=tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1;
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) acked = Number(line.slice('acked '.length));
      if (acked >= minAcked) proc.kill('SIGKILL');
    });
    proc.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && acked >= minAcked) resolve(acked);
      else reject(new Error(`child ended with ${String(signal)} after ack ${acked}: ${stderr}`));
    });
  });
}

test('kill -9 during adds: the index holds exactly the records below indexedUpTo (progress is atomic with entries)', async (t) => {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'cometmq-index-crash-')), 'index');
  t.teardown(() => rm(path.dirname(dir), { recursive: true, force: true }));
  let lastAcked = 0;
  for (let cycle = 0; cycle < 8; cycle++) {
    lastAcked = await runAndKill(dir, lastAcked + 20_000 * (cycle + 1));
    const index = await openRocksIndex({ dir });
    try {
      const upTo = await index.indexedUpTo();
      t.true(upTo >= lastAcked, `cycle ${cycle}: indexedUpTo ${upTo} < acked ${lastAcked}`);
      t.is(upTo % 20_000, 0, 'progress moves by whole batches');
      const { all } = await allPages((p) => index.byKey('T', 'k', p), { limit: 5000 });
      t.is(all.length, upTo / 100, `cycle ${cycle}: one hit per record below indexedUpTo`);
      t.true(all.every((phys, i) => phys === i * 100), 'hits are exactly 0, 100, ... in order');
      const last = upTo / 100 - 1;
      t.deepEqual((await index.byUniqKey('T', `U${last}`, { limit: 2 })).physicalOffsets, [last * 100]);
      t.deepEqual((await index.byUniqKey('T', `U${last + 1}`, { limit: 2 })).physicalOffsets, []);
      lastAcked = upTo;
    } finally {
      await index.close();
    }
  }
});
