import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { parseTagExpression } from '../../../kernel/messaging/tags.js';
import { decodeMsgId } from '../../../kernel/messaging/msgid.js';
import { FakeIndex, body, ok, openTestStore, storeTempDir, storeWaitFor } from '../../../test/helpers/store-fixtures.js';
import { createSyncFlushPolicy } from '../../flush-sync/policy.js';
import { openCommitLogStore } from '../store.js';

test('append then read: statuses found / empty / offsetMoved / noQueue / filtered', async (t) => {
  const store = await openTestStore(t, await storeTempDir(t));
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => store.append({ topic: 'T', queueId: 1, body: body(`m${i}`), tags: i % 2 ? 'odd' : 'even' })),
  );
  results.forEach((r, i) => t.is(ok(t, r).queueOffset, i));
  const found = await store.read({ topic: 'T', queueId: 1, offset: 0, max: 4 });
  t.is(found.status, 'found');
  if (found.status !== 'found') return;
  t.deepEqual(found.messages.map((m) => Buffer.from(m.body).toString()), ['m0', 'm1', 'm2', 'm3']);
  t.is(found.nextOffset, 4);
  t.is(found.maxOffset, 10);
  t.like(await store.read({ topic: 'T', queueId: 1, offset: 10, max: 4 }), { status: 'empty', nextOffset: 10 });
  t.like(await store.read({ topic: 'T', queueId: 1, offset: 11, max: 4 }), { status: 'offsetMoved', nextOffset: 10 });
  t.like(await store.read({ topic: 'T', queueId: 2, offset: 0, max: 4 }), { status: 'noQueue' });
  t.like(await store.read({ topic: 'U', queueId: 1, offset: 0, max: 4 }), { status: 'noQueue' });
  const odd = await store.read({ topic: 'T', queueId: 1, offset: 0, max: 3, filter: parseTagExpression('odd') });
  t.is(odd.status, 'found');
  if (odd.status === 'found') t.deepEqual(odd.messages.map((m) => m.queueOffset), [1, 3, 5]);
  t.like(await store.read({ topic: 'T', queueId: 1, offset: 0, max: 3, filter: parseTagExpression('none') }), {
    status: 'filtered',
    nextOffset: 10,
  });
  const bytes = await store.read({ topic: 'T', queueId: 1, offset: 0, max: 10, maxBytes: 1 });
  t.is(bytes.status === 'found' ? bytes.messages.length : -1, 1, 'maxBytes bounds the read but returns at least one');
});

test('msgId, lookup by physical offset and queue offset, fields as appended', async (t) => {
  const store = await openTestStore(t, await storeTempDir(t), { storeHost: { address: '10.0.0.7', port: 10911 } });
  const r = ok(t, await store.append({ topic: 'T', queueId: 0, body: body('x'), keys: ['k1', 'k2'], properties: { UNIQ_KEY: 'U1', a: 'b' }, flag: 3 }));
  t.deepEqual(decodeMsgId(r.msgId), { storeHost: { address: '10.0.0.7', port: 10911 }, physicalOffset: r.physicalOffset });
  const m = await store.lookup(r.physicalOffset);
  t.truthy(m);
  t.is(m!.msgId, r.msgId);
  t.deepEqual(m!.keys, ['k1', 'k2']);
  t.is(m!.properties.a, 'b');
  t.is(m!.flag, 3);
  t.is(m!.storeTimestamp, r.storeTimestamp);
  t.is(await store.lookup(r.physicalOffset + 1), undefined);
  t.is(await store.lookup(10 ** 9), undefined);
  t.is((await store.lookupByQueueOffset('T', 0, 0))?.msgId, r.msgId);
  t.is(await store.lookupByQueueOffset('T', 0, 1), undefined);
  t.is(await store.storeTimeAt('T', 0, 0), r.storeTimestamp);
});

test('segments roll (blank fillers) and everything reads back in order; restart keeps every message', async (t) => {
  const dir = await storeTempDir(t);
  let store = await openTestStore(t, dir);
  const n = 3000;
  await Promise.all(Array.from({ length: n }, (_, i) => store.append({ topic: 'Roll', queueId: i % 4, body: body(`body-${i}`) })));
  t.true(store.stats().segmentCount > 3);
  const readAll = async (): Promise<string[]> => {
    const out: string[] = [];
    for (let q = 0; q < 4; q++) {
      let offset = 0;
      for (;;) {
        const r = await store.read({ topic: 'Roll', queueId: q, offset, max: 64 });
        if (r.status !== 'found') break;
        for (const m of r.messages) out.push(Buffer.from(m.body).toString());
        offset = r.nextOffset;
      }
    }
    return out.sort();
  };
  const expected = Array.from({ length: n }, (_, i) => `body-${i}`).sort();
  t.deepEqual(await readAll(), expected);
  await store.close();
  store = await openTestStore(t, dir);
  t.is(store.recovery?.mode, 'clean');
  t.deepEqual(await readAll(), expected);
  await store.closeUnclean();
  store = await openTestStore(t, dir);
  t.is(store.recovery?.mode, 'scan');
  t.deepEqual(await readAll(), expected);
  const more = ok(t, await store.append({ topic: 'Roll', queueId: 0, body: body('after') }));
  t.is(more.queueOffset, n / 4);
});

test('bad input is rejected before anything is written', async (t) => {
  // Nested, so the parent folder checked below for an escaped `../x` belongs to this test alone.
  const dir = path.join(await storeTempDir(t), 'store');
  const store = await openTestStore(t, dir, { config: { maxMessageBytes: 1000 } });
  ok(t, await store.append({ topic: 'T', queueId: 0, body: body('first') }));
  const end = store.stats().writtenOffset;
  const code = async (input: Parameters<typeof store.append>[0]): Promise<string> => {
    const r = await store.append(input);
    return r.status === 'rejected' ? r.error.code : 'ok';
  };
  t.is(await code({ topic: 'T', queueId: 0, body: new Uint8Array(1001) }), 'MESSAGE_TOO_LARGE');
  for (const topic of ['../x', '', 'x'.repeat(200), 'a\u0000b', 'a/b']) {
    t.is(await code({ topic, queueId: 0, body: body('x') }), 'TOPIC_NAME_INVALID', JSON.stringify(topic));
  }
  for (const queueId of [-1, 1.5, Number.NaN]) t.is(await code({ topic: 'T', queueId, body: body('x') }), 'QUEUE_ID_INVALID');
  t.is(await code({ topic: 'T', queueId: 0, body: body('x'), properties: { big: 'v'.repeat(40000) } }), 'MESSAGE_PROPERTIES_TOO_LARGE');
  t.is(await code({ topic: 'T', queueId: 0, body: body('x'), properties: { 'a\u0001': 'v' } }), 'MESSAGE_PROPERTY_INVALID');
  t.is(await code({ topic: 'T', queueId: 0, body: body('x'), preparedTransactionOffset: Number.NaN }), 'MESSAGE_INVALID');
  t.is(await code({ topic: 'T', queueId: 0, body: body('x'), flag: 2 ** 40 }), 'MESSAGE_INVALID');
  t.is(store.stats().writtenOffset, end, 'log end unchanged');
  t.is(store.maxOffset('T', 0), 1);
  t.deepEqual(fs.readdirSync(path.join(dir, 'consumequeue')), ['T']);
  t.deepEqual(fs.readdirSync(path.dirname(dir)).filter((n) => n === 'x'), []);
});

test('a record larger than a segment is MESSAGE_TOO_LARGE', async (t) => {
  const store = await openTestStore(t, await storeTempDir(t), { config: { segmentBytes: 64 * 1024, maxMessageBytes: 1 << 20 } });
  const r = await store.append({ topic: 'T', queueId: 0, body: new Uint8Array(70 * 1024) });
  t.is(r.status === 'rejected' ? r.error.code : 'ok', 'MESSAGE_TOO_LARGE');
  t.is(store.stats().writtenOffset, 0);
});

test('a second open of the same directory fails with STORE_LOCKED; a stale lock is taken over', async (t) => {
  const dir = await storeTempDir(t);
  await openTestStore(t, dir);
  await t.throwsAsync(openCommitLogStore({ dir, flushPolicy: createSyncFlushPolicy() }), { code: 'STORE_LOCKED' } as never);
  const other = await storeTempDir(t);
  fs.writeFileSync(path.join(other, 'lock'), '999999999');
  const s = await openTestStore(t, other);
  t.true(s.stats().writable);
});

test('appends after close are STORE_CLOSED', async (t) => {
  const store = await openTestStore(t, await storeTempDir(t));
  await store.close();
  const r = await store.append({ topic: 'T', queueId: 0, body: body('x') });
  t.is(r.status === 'rejected' ? r.error.code : 'ok', 'STORE_CLOSED');
});

test('offsetByTime: smallest offset stored at or after the time, with and without an index', async (t) => {
  let now = 1_000_000;
  const clock = {
    now: () => now,
    monotonic: () => performance.now(),
    setTimeout: (fn: () => void, ms: number) => {
      const h = setTimeout(fn, ms);
      const th = { cancel: () => clearTimeout(h), unref: () => (h.unref(), th) };
      return th;
    },
    setInterval: (fn: () => void, ms: number) => {
      const h = setInterval(fn, ms);
      const th = { cancel: () => clearInterval(h), unref: () => (h.unref(), th) };
      return th;
    },
  };
  for (const index of [undefined, new FakeIndex()]) {
    const store = await openTestStore(t, await storeTempDir(t), { clock, index });
    now = 1_000_000;
    for (let i = 0; i < 50; i++) {
      now += i % 5 === 0 ? 10 : 0; // runs of 5 messages share a time
      ok(t, await store.append({ topic: 'T', queueId: 0, body: body(`t${i}`) }));
    }
    if (index) await storeWaitFor(() => index.entries.size === 50);
    t.is(await store.offsetByTime('T', 0, 0), 0);
    t.is(await store.offsetByTime('T', 0, 1_000_010), 0);
    t.is(await store.offsetByTime('T', 0, 1_000_011), 5);
    t.is(await store.offsetByTime('T', 0, 1_000_050), 20);
    t.is(await store.offsetByTime('T', 0, 1_000_100), 45);
    t.is(await store.offsetByTime('T', 0, 9_000_000), 50);
    t.is(await store.offsetByTime('Nope', 0, 1), 0);
  }
});

test('the index is fed in log order and catches up from the log after reopen', async (t) => {
  const dir = await storeTempDir(t);
  const index = new FakeIndex();
  let store = await openTestStore(t, dir, { index, config: { indexQueueEntries: 10 } });
  await Promise.all(Array.from({ length: 200 }, (_, i) => store.append({ topic: 'T', queueId: 0, body: body(`i${i}`), keys: [`k${i}`] })));
  await storeWaitFor(() => index.entries.size === 200);
  t.deepEqual((await index.byKey('T', 'k7')).physicalOffsets.length, 1);
  await store.close();
  const fresh = new FakeIndex();
  store = await openTestStore(t, dir, { index: fresh });
  await storeWaitFor(() => fresh.entries.size === 200);
  t.is(fresh.upTo, store.stats().writtenOffset);
});

test('arrival listeners are told after the consume queue grows', async (t) => {
  const store = await openTestStore(t, await storeTempDir(t));
  const seen: [string, number, number][] = [];
  const off = store.onArrival((topic, q, max) => seen.push([topic, q, max]));
  ok(t, await store.append({ topic: 'T', queueId: 3, body: body('x') }));
  t.deepEqual(seen, [['T', 3, 1]]);
  off();
  ok(t, await store.append({ topic: 'T', queueId: 3, body: body('y') }));
  t.is(seen.length, 1);
});

test('appends never wait on a stuck index; it catches up from the log once it moves', async (t) => {
  const index = new FakeIndex();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const realAdd = index.add.bind(index);
  index.add = async (entries) => {
    await gate;
    await realAdd(entries);
  };
  const store = await openTestStore(t, await storeTempDir(t), { index, config: { indexQueueEntries: 20 } });
  const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.append({ topic: 'T', queueId: 0, body: body(`n${i}`), keys: [`key${i}`] })));
  t.true(results.every((r) => r.status === 'ok'), 'all acknowledged while the index is stuck');
  t.is(index.entries.size, 0);
  release();
  await storeWaitFor(() => index.entries.size === 500);
  t.is(index.upTo, store.stats().dispatchedOffset);
});

test('large records (bigger than a batch buffer and a cache block) round-trip and survive recovery', async (t) => {
  const dir = await storeTempDir(t);
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  let store = await openTestStore(t, dir, { config: { segmentBytes: 8 * 1024 * 1024 } });
  const rs = await Promise.all([1, 2, 3].map((i) => store.append({ topic: 'Big', queueId: 0, body: Buffer.concat([Buffer.from([i]), big]) })));
  rs.forEach((r) => ok(t, r));
  await store.closeUnclean();
  store = await openTestStore(t, dir, { config: { segmentBytes: 8 * 1024 * 1024 } });
  t.is(store.recovery?.records, 3);
  for (let i = 0; i < 3; i++) {
    const m = await store.lookupByQueueOffset('Big', 0, i);
    t.true(Buffer.from(m!.body).equals(Buffer.concat([Buffer.from([i + 1]), big])));
  }
});
