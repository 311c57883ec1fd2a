import test, { type ExecutionContext } from 'ava';
import { createFaultyFileIO } from '../file-io.js';
import type { CommitLogStore } from '../store.js';
import { body, ok, openTestStore, storeTempDir } from '../../../test/helpers/store-fixtures.js';

async function bodies(store: CommitLogStore, queueId = 0): Promise<string[]> {
  const out: string[] = [];
  let offset = store.minOffset('T', queueId);
  for (;;) {
    const r = await store.read({ topic: 'T', queueId, offset, max: 100 });
    if (r.status !== 'found') return out;
    out.push(...r.messages.map((m) => Buffer.from(m.body).toString()));
    offset = r.nextOffset;
  }
}

async function faultCase(t: ExecutionContext, op: 'write' | 'fdatasync', code: 'EIO' | 'ENOSPC'): Promise<void> {
  const dir = await storeTempDir(t);
  const io = createFaultyFileIO();
  let store = await openTestStore(t, dir, { io });
  ok(t, await store.append({ topic: 'T', queueId: 0, body: body('before') }));
  io.inject({ op, code, pathIncludes: 'commitlog' });
  const failed = await Promise.all([1, 2, 3].map((i) => store.append({ topic: 'T', queueId: 0, body: body(`lost-${i}`) })));
  for (const r of failed) {
    t.is(r.status, 'rejected');
    if (r.status === 'rejected') t.is(r.error.code, 'STORE_IO');
  }
  t.deepEqual(await bodies(store), ['before'], 'reads keep working and show no failed message');
  t.is(store.maxOffset('T', 0), 1);
  const later = ok(t, await store.append({ topic: 'T', queueId: 0, body: body('after') }));
  t.is(later.queueOffset, 1, 'queue offsets rolled back: no hole');
  t.deepEqual(await bodies(store), ['before', 'after']);
  await store.closeUnclean();
  store = await openTestStore(t, dir);
  t.deepEqual(await bodies(store), ['before', 'after'], 'after reopen: only acknowledged messages');
}

test('EIO on the commit-log write: STORE_IO, reads keep working, later appends succeed', (t) => faultCase(t, 'write', 'EIO'));
test('ENOSPC on the commit-log write: STORE_IO, never acknowledged', (t) => faultCase(t, 'write', 'ENOSPC'));
test('EIO on fdatasync (sync flush): STORE_IO, the written bytes never resurface', (t) => faultCase(t, 'fdatasync', 'EIO'));

test('a failure with nothing appended afterwards: the failed bytes are scrubbed before a crash', async (t) => {
  const dir = await storeTempDir(t);
  const io = createFaultyFileIO();
  let store = await openTestStore(t, dir, { io });
  ok(t, await store.append({ topic: 'T', queueId: 0, body: body('kept') }));
  io.inject({ op: 'fdatasync', code: 'EIO', pathIncludes: 'commitlog' });
  const r = await store.append({ topic: 'T', queueId: 0, body: body('rejected') });
  t.is(r.status, 'rejected');
  await store.closeUnclean();
  store = await openTestStore(t, dir);
  t.deepEqual(await bodies(store), ['kept']);
});

test('a failure in one batch rejects later queued appends too, then the store recovers', async (t) => {
  const dir = await storeTempDir(t);
  const io = createFaultyFileIO();
  const store = await openTestStore(t, dir, { io, config: { segmentBytes: 1024 * 1024 } });
  io.inject({ op: 'write', code: 'EIO', pathIncludes: 'commitlog' });
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.append({ topic: 'T', queueId: i % 2, body: body(`x${i}`) })));
  const okCount = results.filter((r) => r.status === 'ok').length;
  t.true(results.some((r) => r.status === 'rejected'));
  for (let q = 0; q < 2; q++) {
    const got = await bodies(store, q);
    t.is(got.length, store.maxOffset('T', q));
  }
  t.is((await bodies(store, 0)).length + (await bodies(store, 1)).length, okCount);
  ok(t, await store.append({ topic: 'T', queueId: 0, body: body('later') }));
});
