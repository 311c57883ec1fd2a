import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { BlockCache } from './block-cache.js';
import { type FileIO, realFileIO, writeFully } from './file-io.js';
import { SegmentFiles } from './segments.js';

const BLOCK = 4096;

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cometmq-block-cache-'));
  const reads: number[] = [];
  const io: FileIO = {
    ...realFileIO,
    read: (fd, buf, off, len, pos) => {
      reads.push(len);
      return realFileIO.read(fd, buf, off, len, pos);
    },
  };
  const files = new SegmentFiles(io, dir, 64 * 1024);
  await files.load();
  const seg = await files.ensure(0);
  let end = 0;
  const cache = new BlockCache(files, 16 * BLOCK, () => end, BLOCK);
  const data = Buffer.alloc(3 * BLOCK);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  /** Append [end, to) of `data` to the segment; optionally tell the cache (write-through). */
  const append = async (to: number, through: boolean): Promise<void> => {
    await writeFully(io, seg.fd, data, end, to - end, end);
    const from = end;
    end = to;
    if (through) cache.noteWritten(from, data.subarray(from, to), to - from);
  };
  t.teardown(async () => {
    await files.closeAll();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });
  return { cache, data, reads, append };
}

test('a block read while the log ended inside it is extended by reading only the new bytes', async (t) => {
  const { cache, data, reads, append } = await setup(t);
  await append(1000, false);
  t.deepEqual(await cache.read(100, 200), data.subarray(100, 300));
  t.deepEqual(reads, [1000]);
  await append(1500, false);
  t.deepEqual(await cache.read(1200, 300), data.subarray(1200, 1500));
  t.deepEqual(reads, [1000, 500], 'only the 500 bytes written since');
  t.is(await cache.read(1400, 200), undefined, 'past the written end');
});

test('write-through: bytes told to the cache are read back without file reads, across blocks', async (t) => {
  const { cache, data, reads, append } = await setup(t);
  await append(10, false);
  t.deepEqual(await cache.read(0, 10), data.subarray(0, 10));
  const before = reads.length;
  await append(BLOCK - 100, true);
  await append(2 * BLOCK + 50, true);
  t.deepEqual(await cache.read(500, 1000), data.subarray(500, 1500));
  t.deepEqual(cache.peek(BLOCK + 10, 300), data.subarray(BLOCK + 10, BLOCK + 310), 'a block begun by a write');
  t.deepEqual(await cache.read(2 * BLOCK, 50), data.subarray(2 * BLOCK, 2 * BLOCK + 50));
  t.is(reads.length, before, 'no file reads');
});

test('after invalidate the bytes come from the file again', async (t) => {
  const { cache, data, reads, append } = await setup(t);
  await append(2000, false);
  t.deepEqual(await cache.read(0, 100), data.subarray(0, 100));
  cache.invalidate(0);
  t.is(cache.peek(0, 100), undefined);
  const before = reads.length;
  t.deepEqual(await cache.read(1500, 500), data.subarray(1500, 2000));
  t.true(reads.length > before);
});

test('peekWritten serves only blocks made of this process\'s own writes: not blocks read from the file, not once extended from it', async (t) => {
  const { cache, data, append } = await setup(t);
  await append(10, false);
  t.deepEqual(await cache.read(0, 10), data.subarray(0, 10), 'block 0 read from the file');
  await append(BLOCK + 100, true);
  t.deepEqual(cache.peekWritten(BLOCK + 10, 50), data.subarray(BLOCK + 10, BLOCK + 60), 'a block begun by a write-through');
  t.is(cache.peekWritten(10, 50), undefined, 'block 0 was begun by a plain read of the file, then written through');
  t.deepEqual(cache.peek(10, 50), data.subarray(10, 60), 'peek still serves it');
  await append(BLOCK + 300, false);
  t.deepEqual(await cache.read(BLOCK + 150, 100), data.subarray(BLOCK + 150, BLOCK + 250), 'bytes written without the cache: extended from the file');
  t.is(cache.peekWritten(BLOCK + 10, 50), undefined, 'a block extended from the file is no longer all own writes');
});
