import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { createSyncFlushPolicy } from '../../flush-sync/policy.js';
import { type CommitLogStore, openCommitLogStore } from '../store.js';
import { crashBody } from './crash-body.js';
import { bundleChild, exited, spawnChild } from '../../../test/helpers/store-child.js';
import { storeTempDir } from '../../../test/helpers/store-fixtures.js';
import { seededRandom } from '../../../kernel/services.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CYCLES = Number(process.env.COMETMQ_CRASH_CYCLES ?? 200);
const SEGMENT_BYTES = 256 * 1024;
const QUEUES = 3;

interface Ack {
  readonly queueId: number;
  readonly queueOffset: number;
  readonly id: string;
}

/** Every queue offset in [from, max) reads back valid, dense and in order. Returns the count. */
async function checkDense(t: import('ava').ExecutionContext, store: CommitLogStore, from: number[]): Promise<void> {
  for (let q = 0; q < QUEUES; q++) {
    let offset = Math.max(from[q] ?? 0, store.minOffset('Crash', q));
    for (;;) {
      const r = await store.read({ topic: 'Crash', queueId: q, offset, max: 64 });
      if (r.status === 'empty' || r.status === 'noQueue') break;
      if (r.status !== 'found') {
        t.fail(`queue ${q} offset ${offset}: ${r.status}`);
        return;
      }
      for (const m of r.messages) {
        if (m.queueOffset !== offset || m.queueId !== q || m.topic !== 'Crash') t.fail(`queue ${q}: offset ${m.queueOffset} at ${offset}`);
        const id = Buffer.from(m.body).toString().split('|')[0]!;
        if (!crashBody(id).equals(Buffer.from(m.body))) t.fail(`queue ${q} offset ${offset}: body mismatch`);
        offset++;
      }
    }
    if (offset !== store.maxOffset('Crash', q)) t.fail(`queue ${q} not dense: stopped at ${offset}`);
  }
}

test(`kill -9 of a sync-flush writer, ${CYCLES} cycles: every ack survives, no corrupt record, dense offsets`, async (t) => {
  t.timeout(240_000);
  const dir = await storeTempDir(t);
  const child = await bundleChild(path.join(HERE, 'crash-child.ts'));
  t.teardown(child.remove);
  const random = seededRandom(42);
  const acked: Ack[] = [];
  let checkedFrom = [0, 0, 0];
  let torn = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const fresh: Ack[] = [];
    const killAfter = 1 + random.int(150);
    let resolveEnough!: () => void;
    const enough = new Promise<void>((r) => (resolveEnough = r));
    const proc = spawnChild(child.file, [dir, String(cycle), String(SEGMENT_BYTES)], (line) => {
      const [kind, q, off, id] = line.split(' ');
      if (kind === 'ack') fresh.push({ queueId: Number(q), queueOffset: Number(off), id: id! });
      else if (kind === 'rejected') t.fail(`child append rejected: ${q}`);
      if (fresh.length >= killAfter) resolveEnough();
    });
    const code = await Promise.race([enough.then(() => 'enough'), exited(proc).then((c) => `exit ${String(c)}`)]);
    if (code !== 'enough') {
      t.fail(`child ended early (${code}) in cycle ${cycle}`);
      return;
    }
    // Land the kill at a random point of the write / fdatasync pipeline.
    if (random.next() < 0.7) await new Promise((r) => setTimeout(r, random.int(8)));
    proc.kill('SIGKILL');
    await exited(proc);
    acked.push(...fresh);

    const store = await openCommitLogStore({ dir, flushPolicy: createSyncFlushPolicy(), config: { segmentBytes: SEGMENT_BYTES, consumeQueueEntriesPerFile: 500 } });
    if (store.recovery?.torn) torn++;
    for (const a of fresh) {
      const m = await store.lookupByQueueOffset('Crash', a.queueId, a.queueOffset);
      if (!m || !Buffer.from(m.body).equals(crashBody(a.id))) {
        t.fail(`cycle ${cycle}: acked ${a.id} at ${a.queueId}/${a.queueOffset} lost`);
        await store.close();
        return;
      }
    }
    const full = cycle % 50 === 49 || cycle === CYCLES - 1;
    await checkDense(t, store, full ? [0, 0, 0] : checkedFrom);
    checkedFrom = Array.from({ length: QUEUES }, (_, q) => store.maxOffset('Crash', q));
    // Alternate: a clean close, or a crash-like stop so the child recovers too (recovery twice).
    if (cycle % 3 === 2) await store.closeUnclean();
    else await store.close();
  }
  t.log(`${CYCLES} cycles, ${acked.length} acknowledged appends verified, ${torn} torn tails cut`);
  t.true(acked.length >= CYCLES);
});
