import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isCometError } from '../../kernel/errors.js';
import { entry, messageIndexContract, series, T0, type IndexHarness } from '../../test/contracts/message-index.contract.js';
import { openRocksIndex, type RocksIndexOptions } from './rocks-index.js';
import { openRocksDb } from '../../kernel/storage/rocks.js';

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-index-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function harness(options: RocksIndexOptions): Promise<IndexHarness> {
  const index = await openRocksIndex(options);
  return {
    index,
    async reopen() {
      await index.close();
      return harness(options);
    },
    close: () => index.close(),
  };
}

messageIndexContract('index-rocksdb', async (t) => harness({ dir: path.join(await tempDir(t), 'index') }));

async function openIndex(t: ExecutionContext, options: Partial<RocksIndexOptions> = {}) {
  const dir = path.join(await tempDir(t), 'index');
  const index = await openRocksIndex({ dir, ...options });
  t.teardown(() => index.close());
  return index;
}

/** Count the raw keys per one-byte prefix (the index must be closed). */
async function countKeys(dir: string): Promise<Record<string, number>> {
  const db = await openRocksDb(dir);
  const counts: Record<string, number> = {};
  try {
    for (const [key] of await db.iterator({ values: false }).all()) {
      const prefix = String.fromCharCode(key[0]);
      counts[prefix] = (counts[prefix] ?? 0) + 1;
    }
  } finally {
    await db.close();
  }
  return counts;
}

test('time points are sparse: one per timeIndexIntervalMs per queue, plus the first record', async (t) => {
  const index = await openIndex(t, { timeIndexIntervalMs: 1000 });
  // Records at +0, +100, +999, +1000, +1999, +2500, +2600 (queue offsets 0..6).
  const times = [0, 100, 999, 1000, 1999, 2500, 2600];
  await index.add(times.map((dt, i) => entry({ phys: i * 100, ts: T0 + dt, queueOffset: i })));
  t.deepEqual(await index.floorByTime('TopicA', 0, T0 + 999), { queueOffset: 0, storeTimestamp: T0 });
  t.deepEqual(await index.floorByTime('TopicA', 0, T0 + 1000), { queueOffset: 3, storeTimestamp: T0 + 1000 });
  t.deepEqual(await index.floorByTime('TopicA', 0, T0 + 2499), { queueOffset: 3, storeTimestamp: T0 + 1000 });
  t.deepEqual(await index.floorByTime('TopicA', 0, T0 + 9999), { queueOffset: 5, storeTimestamp: T0 + 2500 });
  // The interval also holds across add() calls and across a reopen (the last point is re-read).
  await index.add([entry({ phys: 700, ts: T0 + 3000, queueOffset: 7 })]);
  t.deepEqual(await index.floorByTime('TopicA', 0, T0 + 9999), { queueOffset: 5, storeTimestamp: T0 + 2500 });
  await index.add([entry({ phys: 800, ts: T0 + 3500, queueOffset: 8 })]);
  t.deepEqual(await index.floorByTime('TopicA', 0, T0 + 9999), { queueOffset: 8, storeTimestamp: T0 + 3500 });
});

test('the time point interval is re-read from disk after reopen', async (t) => {
  const dir = path.join(await tempDir(t), 'index');
  const first = await openRocksIndex({ dir });
  await first.add([entry({ phys: 0, ts: T0, queueOffset: 0 })]);
  await first.close();
  const second = await openRocksIndex({ dir });
  t.teardown(() => second.close());
  await second.add([entry({ phys: 100, ts: T0 + 500, queueOffset: 1 })]);
  t.deepEqual(await second.floorByTime('TopicA', 0, T0 + 900), { queueOffset: 0, storeTimestamp: T0 });
});

test('10k records without keys write only sparse time points and the progress key', async (t) => {
  const dir = path.join(await tempDir(t), 'index');
  const index = await openRocksIndex({ dir });
  // 10k records over 4 queues spanning 20 s: 20 or 21 points per queue.
  const entries = Array.from({ length: 10_000 }, (_, i) =>
    entry({ phys: i * 100, ts: T0 + i * 2, queueId: i % 4, queueOffset: Math.floor(i / 4) }),
  );
  await index.add(entries);
  t.is(await index.indexedUpTo(), 1_000_000);
  await index.close();
  const counts = await countKeys(dir);
  t.deepEqual(Object.keys(counts).sort(), ['P', 'T']);
  t.true(counts.T >= 80 && counts.T <= 84, `time points: ${counts.T}`);
});

test('keys and uniq keys with NUL or shared prefixes do not bleed into each other', async (t) => {
  const index = await openIndex(t);
  await index.add([
    entry({ phys: 0, ts: T0, keys: ['a'] }),
    entry({ phys: 100, ts: T0, keys: ['a\u0000b'] }),
    entry({ phys: 200, ts: T0, keys: ['a\u0000'] }),
    entry({ phys: 300, ts: T0, keys: ['', 'ab'], uniqKey: '' }),
    entry({ phys: 400, ts: T0, uniqKey: 'x\u0000y' }),
    entry({ phys: 500, ts: T0, uniqKey: 'x' }),
  ]);
  const page = { limit: 10 };
  t.deepEqual((await index.byKey('TopicA', 'a', page)).physicalOffsets, [0]);
  t.deepEqual((await index.byKey('TopicA', 'a\u0000b', page)).physicalOffsets, [100]);
  t.deepEqual((await index.byKey('TopicA', 'a\u0000', page)).physicalOffsets, [200]);
  t.deepEqual((await index.byKey('TopicA', 'ab', page)).physicalOffsets, [300]);
  t.deepEqual((await index.byUniqKey(undefined, 'x', page)).physicalOffsets, [500]);
  t.deepEqual((await index.byUniqKey(undefined, 'x\u0000y', page)).physicalOffsets, [400]);
});

test('a malformed cursor is INDEX_CURSOR_INVALID; a bad limit is an assertion', async (t) => {
  const index = await openIndex(t);
  await index.add(series(3, T0, 1, { keys: ['k'] }));
  for (const cursor of ['', 'nope', '1.2.3', 'zzzzzzzz.1', '-1.5']) {
    const err = await t.throwsAsync(index.byKey('TopicA', 'k', { limit: 1, cursor }));
    t.true(isCometError(err, 'INDEX_CURSOR_INVALID'), `cursor ${JSON.stringify(cursor)}: ${String(err)}`);
  }
  t.throws(() => index.byKey('TopicA', 'k', { limit: 0 }), { message: /limit/ });
});

test('a cursor from an older page still resumes after more records arrive', async (t) => {
  const index = await openIndex(t);
  await index.add(series(4, T0, 1, { keys: ['k'] }));
  const first = await index.byKey('TopicA', 'k', { limit: 2 });
  await index.add([entry({ phys: 400, ts: T0 + 10, keys: ['k'] })]);
  const rest = await index.byKey('TopicA', 'k', { limit: 10, cursor: first.nextCursor });
  t.deepEqual(rest.physicalOffsets, [200, 300, 400]);
});

test('open failures and use after close are INDEX_IO', async (t) => {
  const root = await tempDir(t);
  const file = path.join(root, 'not-a-dir');
  await writeFile(file, 'x');
  const err = await t.throwsAsync(openRocksIndex({ dir: file }));
  t.true(isCometError(err, 'INDEX_IO'), String(err));

  const dir = path.join(root, 'index');
  const index = await openRocksIndex({ dir });
  const locked = await t.throwsAsync(openRocksIndex({ dir }));
  t.true(isCometError(locked, 'INDEX_IO'), `second open of a locked index: ${String(locked)}`);
  await index.close();
  const closed = await t.throwsAsync(index.add([entry({ phys: 0, ts: T0 })]));
  t.true(isCometError(closed, 'INDEX_IO'), String(closed));
});

test('deleteBefore keeps the floor point of every queue of many topics and drops older ones', async (t) => {
  const index = await openIndex(t);
  const entries = [];
  let phys = 0;
  for (let q = 0; q < 3; q++) {
    for (const topic of ['A', 'B', 'C%x|y']) {
      for (let i = 0; i < 10; i++) {
        entries.push(entry({ phys, topic, queueId: q, queueOffset: i, ts: T0 + i * 2000 }));
        phys += 100;
      }
    }
  }
  await index.add(entries);
  await index.deleteBefore(T0 + 9000); // floor point is the one at +8000 (offset 4)
  for (const topic of ['A', 'B', 'C%x|y']) {
    for (let q = 0; q < 3; q++) {
      t.is(await index.floorByTime(topic, q, T0 + 7999), undefined);
      t.deepEqual(await index.floorByTime(topic, q, T0 + 9000), { queueOffset: 4, storeTimestamp: T0 + 8000 });
      t.deepEqual(await index.floorByTime(topic, q, T0 + 10_000), { queueOffset: 5, storeTimestamp: T0 + 10_000 });
    }
  }
});

test('non-finite times are handled: Infinity bounds are open, NaN bounds are ignored', async (t) => {
  const index = await openIndex(t);
  await index.add(series(3, T0, 10, { keys: ['k'] }));
  const all = { limit: 10, beginTimestamp: Number.NaN, endTimestamp: Number.POSITIVE_INFINITY };
  t.deepEqual((await index.byKey('TopicA', 'k', all)).physicalOffsets, [0, 100, 200]);
  t.is(await index.floorByTime('TopicA', 0, Number.NaN), undefined);
  t.deepEqual(await index.floorByTime('TopicA', 0, Number.POSITIVE_INFINITY), { queueOffset: 0, storeTimestamp: T0 });
  await index.deleteBefore(Number.POSITIVE_INFINITY);
  t.deepEqual((await index.byKey('TopicA', 'k', { limit: 10 })).physicalOffsets, []);
  t.deepEqual(await index.floorByTime('TopicA', 0, Number.POSITIVE_INFINITY), { queueOffset: 0, storeTimestamp: T0 });
});
