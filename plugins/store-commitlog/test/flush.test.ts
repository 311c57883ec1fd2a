import test from 'ava';
import { createAsyncFlushPolicy } from '../../flush-async/policy.js';
import { createSyncFlushPolicy } from '../../flush-sync/policy.js';
import { createFaultyFileIO } from '../file-io.js';
import { body, ok, openTestStore, storeTempDir } from '../../../test/helpers/store-fixtures.js';

test('sync group commit: fewer fdatasyncs than appends; each ack follows a covering fdatasync', async (t) => {
  const io = createFaultyFileIO();
  const store = await openTestStore(t, await storeTempDir(t), { io, flushPolicy: createSyncFlushPolicy(), config: { segmentBytes: 4 << 20 } });
  const n = 300;
  const acks: { phys: number; size: number; seq: number }[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      store.append({ topic: 'T', queueId: i % 4, body: body(`m${i}`) }).then((r) => {
        const a = ok(t, r);
        acks.push({ phys: a.physicalOffset, size: a.size, seq: io.tick() });
      }),
    ),
  );
  const log = io.events.filter((e) => e.path.includes('commitlog'));
  const syncs = log.filter((e) => e.op === 'fdatasync-start').length;
  t.true(syncs > 0 && syncs < n, `${syncs} fdatasyncs for ${n} appends`);
  for (const a of acks) {
    const write = log.find((e) => e.op === 'write' && e.pos! <= a.phys && a.phys + a.size <= e.pos! + e.len!);
    t.truthy(write, 'the record was written');
    const start = log.find((e) => e.op === 'fdatasync-start' && e.seq > write!.seq);
    t.truthy(start, 'an fdatasync began after the write');
    const end = log.find((e) => e.op === 'fdatasync-end' && e.seq > start!.seq);
    t.truthy(end && end.seq < a.seq, 'and ended before the ack');
  }
  t.is(store.stats().flushedOffset, store.stats().writtenOffset);
});

test('async flush: fdatasync on its interval', async (t) => {
  const io = createFaultyFileIO();
  let flushedTo = 0;
  let wake: (() => void) | undefined;
  const policy = createAsyncFlushPolicy({
    flushIntervalMs: 10,
    onFlushed: (o) => {
      flushedTo = o;
      wake?.();
    },
  });
  const store = await openTestStore(t, await storeTempDir(t), { io, flushPolicy: policy });
  const r = ok(t, await store.append({ topic: 'T', queueId: 0, body: body('x') }));
  t.true(store.stats().flushedOffset < r.physicalOffset + r.size || flushedTo > 0, 'acknowledged before (or independent of) the flush');
  await new Promise<void>((resolve) => {
    wake = () => flushedTo >= r.physicalOffset + r.size && resolve();
    wake();
  });
  t.true(io.events.some((e) => e.op === 'fdatasync-end' && e.path.includes('commitlog')));
  t.is(store.stats().flushedOffset, r.physicalOffset + r.size);
});

test('async flush: a final fdatasync at close', async (t) => {
  const io = createFaultyFileIO();
  const store = await openTestStore(t, await storeTempDir(t), { io, flushPolicy: createAsyncFlushPolicy({ flushIntervalMs: 3_600_000 }) });
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.append({ topic: 'T', queueId: 0, body: body(`m${i}`) })));
  const before = io.events.filter((e) => e.op === 'fdatasync-start' && e.path.includes('commitlog')).length;
  t.true(store.stats().flushedOffset < store.stats().writtenOffset);
  const lastWrite = Math.max(...io.events.filter((e) => e.op === 'write' && e.path.includes('commitlog')).map((e) => e.seq));
  await store.close();
  const after = io.events.filter((e) => e.op === 'fdatasync-end' && e.path.includes('commitlog') && e.seq > lastWrite);
  t.true(after.length > 0 && after.length + before > before);
});

test('sync flush timeout rejects with STORE_FLUSH_TIMEOUT', async (t) => {
  const io = createFaultyFileIO();
  const slow = { ...io, fdatasync: (fd: number) => new Promise<void>((r) => setTimeout(() => void io.fdatasync(fd).then(r), 200)) };
  const store = await openTestStore(t, await storeTempDir(t), { io: slow, flushPolicy: createSyncFlushPolicy({ flushTimeoutMs: 20 }) });
  const r = await store.append({ topic: 'T', queueId: 0, body: body('slow') });
  t.is(r.status === 'rejected' ? r.error.code : 'ok', 'STORE_FLUSH_TIMEOUT');
  t.is(store.maxOffset('T', 0), 0, 'never readable');
});
