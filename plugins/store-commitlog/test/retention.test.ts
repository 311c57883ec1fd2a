import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FakeIndex, body, ok, openTestStore, storeTempDir, storeWaitFor } from '../../../test/helpers/store-fixtures.js';

const SEG = 64 * 1024;

async function fill(store: Awaited<ReturnType<typeof openTestStore>>, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => store.append({ topic: 'R', queueId: i % 2, body: body(`r${i}-${'z'.repeat(300)}`) })));
}

test('old segments are removed by age; reads below the new min answer offsetMoved', async (t) => {
  const dir = await storeTempDir(t);
  const index = new FakeIndex();
  const store = await openTestStore(t, dir, { index, config: { fileReservedHours: 1, consumeQueueEntriesPerFile: 50 } });
  await fill(store, 1000);
  await storeWaitFor(() => index.entries.size === 1000);
  const segDir = path.join(dir, 'commitlog');
  const segs = fs.readdirSync(segDir).sort();
  t.true(segs.length > 4);
  const past = new Date(Date.now() - 5 * 3_600_000);
  for (const s of segs.slice(0, 2)) fs.utimesSync(path.join(segDir, s), past, past);
  const report = await store.runRetention();
  t.is(report.deletedSegments.length, 2);
  t.deepEqual(fs.readdirSync(segDir).sort(), segs.slice(2));
  t.is(report.minPhysicalOffset, 2 * SEG);
  t.is(store.stats().minPhysicalOffset, 2 * SEG);
  for (let q = 0; q < 2; q++) {
    const min = store.minOffset('R', q);
    t.true(min > 0);
    const moved = await store.read({ topic: 'R', queueId: q, offset: 0, max: 10 });
    t.like(moved, { status: 'offsetMoved', nextOffset: min });
    const first = await store.read({ topic: 'R', queueId: q, offset: min, max: 1 });
    t.is(first.status, 'found');
    if (first.status === 'found') t.true(first.messages[0]!.physicalOffset >= 2 * SEG);
    const prev = await store.lookupByQueueOffset('R', q, min - 1);
    t.is(prev, undefined);
  }
  t.truthy(index.deletedBefore);
  const cqFiles = fs.readdirSync(path.join(dir, 'consumequeue', 'R', '0'));
  t.false(cqFiles.includes('00000000000000000000'), 'consume-queue files wholly below the log min are gone');
  ok(t, await store.append({ topic: 'R', queueId: 0, body: body('still writable') }));
});

test('disk high-water mark removes oldest segments but never the active one', async (t) => {
  const dir = await storeTempDir(t);
  const store = await openTestStore(t, dir, { config: { diskHighWaterRatio: 0.000001 } });
  await fill(store, 1000);
  const before = store.stats().segmentCount;
  const report = await store.runRetention();
  t.is(report.deletedSegments.length, before - 1);
  t.true(report.reason.every((r) => r === 'disk'));
  t.is(store.stats().segmentCount, 1);
  const q0 = store.minOffset('R', 0);
  const r = await store.read({ topic: 'R', queueId: 0, offset: q0, max: 1000 });
  t.is(r.status, 'found');
  if (r.status === 'found') t.is(r.messages.length, store.maxOffset('R', 0) - q0);
  const a = ok(t, await store.append({ topic: 'R', queueId: 0, body: body('after') }));
  t.is((await store.lookup(a.physicalOffset))?.body.toString(), 'after');
});

test('maxLogBytes caps the log; restart keeps the moved min', async (t) => {
  const dir = await storeTempDir(t);
  let store = await openTestStore(t, dir, { config: { maxLogBytes: 3 * SEG } });
  await fill(store, 1000);
  await store.runRetention();
  t.true(store.stats().segmentCount <= 3);
  const bounds = store.queues();
  await store.close();
  store = await openTestStore(t, dir, { config: { maxLogBytes: 3 * SEG } });
  t.deepEqual(store.queues(), bounds);
  t.like(await store.read({ topic: 'R', queueId: 1, offset: 0, max: 1 }), { status: 'offsetMoved', nextOffset: bounds[1]!.minOffset });
});
