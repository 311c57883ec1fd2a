import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { segmentName } from '../segments.js';
import type { CommitLogStore } from '../store.js';
import { body, ok, openTestStore, storeTempDir } from '../../../test/helpers/store-fixtures.js';

const SEG = 64 * 1024;
const N = 40;

interface Written {
  readonly dir: string;
  readonly lastPhys: number;
  readonly lastSize: number;
  readonly end: number;
}

/** N messages over 2 queues, then a crash-like stop (no checkpoint past the start). */
async function writeAndCrash(t: ExecutionContext): Promise<Written> {
  const dir = await storeTempDir(t);
  const store = await openTestStore(t, dir);
  let last = ok(t, await store.append({ topic: 'T', queueId: 0, body: body('m0') }));
  for (let i = 1; i < N; i++) last = ok(t, await store.append({ topic: 'T', queueId: i % 2, body: body(`m${i}-${'p'.repeat(i * 7)}`) }));
  const end = store.stats().writtenOffset;
  await store.closeUnclean();
  return { dir, lastPhys: last.physicalOffset, lastSize: last.size, end };
}

function segPath(dir: string, phys: number): { file: string; at: number } {
  const start = Math.floor(phys / SEG) * SEG;
  return { file: path.join(dir, 'commitlog', segmentName(start)), at: phys - start };
}

function patch(dir: string, phys: number, bytes: Buffer): void {
  const { file, at } = segPath(dir, phys);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, at);
  fs.closeSync(fd);
}

async function snapshot(store: CommitLogStore): Promise<unknown> {
  const out: Record<string, string[]> = {};
  for (const q of store.queues()) {
    const bodies: string[] = [];
    for (let o = q.minOffset; o < q.maxOffset; o++) {
      const m = await store.lookupByQueueOffset(q.topic, q.queueId, o);
      bodies.push(m ? Buffer.from(m.body).toString() : '<missing>');
    }
    out[`${q.topic}/${q.queueId}`] = bodies;
  }
  return { out, queues: store.queues(), end: store.stats().writtenOffset };
}

function count(snap: unknown): number {
  const s = snap as { out: Record<string, string[]> };
  return Object.values(s.out).reduce((n, b) => n + b.length, 0);
}

/** Recover, check survivors, append more, then recover again and compare. */
async function recoverAndCheck(t: ExecutionContext, dir: string, survivors: number, torn: boolean): Promise<void> {
  let store = await openTestStore(t, dir);
  t.is(store.recovery?.mode, 'scan');
  t.is(store.recovery?.torn, torn);
  const first = await snapshot(store);
  t.is(count(first), survivors);
  t.false(JSON.stringify(first).includes('<missing>'));
  await store.closeUnclean();
  store = await openTestStore(t, dir);
  t.deepEqual(await snapshot(store), first, 'recovery twice gives the same state');
  const r = ok(t, await store.append({ topic: 'T', queueId: 0, body: body('after') }));
  t.is((await store.lookupByQueueOffset('T', 0, r.queueOffset))?.body.toString(), 'after');
  await store.closeUnclean();
  store = await openTestStore(t, dir);
  t.is(count(await snapshot(store)), survivors + 1);
}

test('torn tail: the last record half-written (zeroed second half) is cut', async (t) => {
  const w = await writeAndCrash(t);
  patch(w.dir, w.lastPhys + Math.floor(w.lastSize / 2), Buffer.alloc(w.lastSize - Math.floor(w.lastSize / 2)));
  await recoverAndCheck(t, w.dir, N - 1, true);
});

test('torn tail: the segment file itself truncated inside the last record', async (t) => {
  const w = await writeAndCrash(t);
  const { file, at } = segPath(w.dir, w.lastPhys);
  fs.truncateSync(file, at + 30);
  await recoverAndCheck(t, w.dir, N - 1, true);
});

test('garbage after the last record is cut; every record stays', async (t) => {
  const w = await writeAndCrash(t);
  patch(w.dir, w.end, Buffer.from('this is not a record at all, just junk'));
  await recoverAndCheck(t, w.dir, N, true);
});

test('a flipped body byte in the last record (CRC) is cut', async (t) => {
  const w = await writeAndCrash(t);
  const { file, at } = segPath(w.dir, w.lastPhys);
  const buf = fs.readFileSync(file);
  patch(w.dir, w.lastPhys + 88, Buffer.from([buf[at + 88]! ^ 0xff]));
  await recoverAndCheck(t, w.dir, N - 1, true);
});

test('zero-length tail: a zeroed last record header ends the log there', async (t) => {
  const w = await writeAndCrash(t);
  patch(w.dir, w.lastPhys, Buffer.alloc(w.lastSize));
  await recoverAndCheck(t, w.dir, N - 1, false);
});

test('consume queue longer than the log is cut to the log', async (t) => {
  const w = await writeAndCrash(t);
  const cq = path.join(w.dir, 'consumequeue', 'T', '0', segmentName(0));
  const extra = Buffer.alloc(20 * 5);
  for (let i = 0; i < 5; i++) {
    extra.writeUInt32BE(0, i * 20);
    extra.writeUInt32BE(w.end + i * 100, i * 20 + 4);
    extra.writeInt32BE(100, i * 20 + 8);
  }
  fs.appendFileSync(cq, extra);
  await recoverAndCheck(t, w.dir, N, false);
});

test('the consume queues can be rebuilt from the log alone', async (t) => {
  const w = await writeAndCrash(t);
  fs.rmSync(path.join(w.dir, 'consumequeue'), { recursive: true });
  fs.rmSync(path.join(w.dir, 'checkpoint'));
  await recoverAndCheck(t, w.dir, N, false);
});
