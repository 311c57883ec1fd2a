import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFileMetadata } from '../file-metadata.js';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

interface Acks {
  topic: number;
  offset: number;
}

/** Run the child until it acknowledged topic `minTopic`, then SIGKILL it (mid-write, usually). */
function runAndKill(dir: string, minTopic: number): Promise<Acks> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import=tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Acks = { topic: -1, offset: -1 };
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, value] = line.split(' ');
        if (kind === 'acked') acks.topic = Number(value);
        if (kind === 'flushed') acks.offset = Number(value);
      }
      if (acks.topic >= minTopic) proc.kill('SIGKILL');
    });
    proc.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && acks.topic >= minTopic) resolve(acks);
      else reject(new Error(`child ended with ${String(signal)} after ${JSON.stringify(acks)}: ${stderr}`));
    });
  });
}

test('kill -9 during metadata writes: every acknowledged topic and flushed offset survives, files stay loadable', async (t) => {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'cometmq-meta-crash-')), 'metadata');
  t.teardown(() => rm(path.dirname(dir), { recursive: true, force: true }));
  let topics = 0;
  for (let cycle = 0; cycle < 5; cycle++) {
    const acks = await runAndKill(dir, topics + 20);
    const store = await openFileMetadata({ dir });
    try {
      topics = store.listTopics().length;
      t.true(topics >= acks.topic + 1, `cycle ${cycle}: ${topics} topics, acked T${acks.topic}`);
      t.is(store.getTopic(`T${acks.topic}`)?.updatedAt, acks.topic);
      const offset = store.queryOffset('g', 'T', 0) ?? -1;
      t.true(offset >= acks.offset, `cycle ${cycle}: offset ${offset} < flushed ${acks.offset}`);
    } finally {
      await store.close();
    }
  }
});
