import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { CQ_ENTRY_BYTES, ConsumeQueue, QueueFdPool, cqPhys, writeCqEntry } from './consume-queue.js';
import { realFileIO } from './file-io.js';

async function setup(t: { teardown(fn: () => unknown): void }, tailEntries: number) {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cometmq-cq-'));
  const pool = new QueueFdPool(realFileIO, 8);
  const open = (): ConsumeQueue => {
    const q = new ConsumeQueue(realFileIO, pool, 'T', 0, dir, 100, tailEntries);
    q.load();
    return q;
  };
  t.teardown(async () => {
    await pool.closeAll();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });
  return { dir, pool, open };
}

/** `n` entries from queue offset `first`, phys = 1000 × offset. */
function entries(first: number, n: number): Buffer {
  const b = Buffer.alloc(n * CQ_ENTRY_BYTES);
  for (let i = 0; i < n; i++) writeCqEntry(b, i * CQ_ENTRY_BYTES, (first + i) * 1000, 50, 0);
  return b;
}

const physes = (r: { buf: Buffer; count: number }): number[] => Array.from({ length: r.count }, (_, i) => cqPhys(r.buf, i * CQ_ENTRY_BYTES));

test('entries are readable at once, reach the file in batches, and all of them by the flush', async (t) => {
  const { pool, open } = await setup(t, 64);
  const q = open();
  for (let o = 0; o < 150; o += 5) q.write(o, entries(o, 5), 5);
  t.is(q.maxOffset, 150);
  t.deepEqual(physes(await q.read(145, 10)), [145000, 146000, 147000, 148000, 149000], 'from memory');
  t.deepEqual(physes(await q.read(10, 3)), [10000, 11000, 12000], 'older than the tail: pending written, then read from the file');
  for (let o = 150; o < 230; o += 10) q.write(o, entries(o, 10), 10);
  await pool.flush();
  const again = open();
  t.is(again.maxOffset, 230, 'every entry is in the files after the flush');
  t.deepEqual(physes(await again.read(200, 30)), Array.from({ length: 30 }, (_, i) => (200 + i) * 1000));
  t.deepEqual(physes(await again.read(95, 10)), [95000, 96000, 97000, 98000, 99000], 'a read stops at its file end');
});

test('without a tail every write goes to the file at once; truncate cuts memory and file', async (t) => {
  const { open } = await setup(t, 0);
  const q = open();
  q.write(0, entries(0, 20), 20);
  t.is(open().maxOffset, 20);
  const { open: open2 } = await setup(t, 16);
  const r = open2();
  r.write(0, entries(0, 20), 20);
  await r.truncate(12);
  t.is(r.maxOffset, 12);
  t.is((await r.read(12, 4)).count, 0);
  t.deepEqual(physes(await r.read(10, 4)), [10000, 11000]);
  t.is(open2().maxOffset, 12);
});

test('reads behind the tail are served from one read-ahead of the file; a truncate forgets it', async (t) => {
  const { dir } = await setup(t, 0);
  const reads: number[] = [];
  const io = { ...realFileIO, readSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => (reads.push(len), realFileIO.readSync(fd, buf, off, len, pos)) };
  const pool = new QueueFdPool(io, 8);
  t.teardown(() => pool.closeAll());
  const q = new ConsumeQueue(io, pool, 'T', 0, dir, 1000, 0);
  q.write(0, entries(0, 900), 900);
  for (let o = 0; o < 600; o += 32) t.deepEqual(physes(await q.read(o, 32)), Array.from({ length: Math.min(32, 900 - o) }, (_, i) => (o + i) * 1000));
  t.is(reads.length, 2, 'two file reads of 512 entries served 19 reads of 32');
  t.deepEqual(physes(await q.read(700, 3)), [700000, 701000, 702000], 'outside the read-ahead: read again');
  await q.truncate(701);
  t.deepEqual(physes(await q.read(700, 3)), [700000], 'the truncated entries are gone, not served from the read-ahead');
  q.write(701, entries(5000, 2), 2);
  t.deepEqual(physes(await q.read(700, 3)), [700000, 5000000, 5001000], 'entries written after the truncate are read from the file');
});
