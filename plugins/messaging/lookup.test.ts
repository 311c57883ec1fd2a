import test from 'ava';
import { CometError } from '../../kernel/errors.js';
import type { AppendOk, AppendResult } from '../../kernel/messaging/store.js';
import { encodeMsgId } from '../../kernel/messaging/msgid.js';
import { dec, enc, harness, rejectsWith, STORE_HOST } from './test/harness.js';

function ok(r: AppendResult): AppendOk {
  if (r.status !== 'ok') throw new Error(`append rejected: ${r.error.code}`);
  return r;
}

test('viewMessage by offset msgId finds the record through the log', async (t) => {
  const { messaging } = harness(t);
  ok(await messaging.produce({ topic: 'V', body: enc('zero') }));
  const r = ok(await messaging.produce({ topic: 'V', body: enc('one') }));
  const found = await messaging.viewMessage(r.msgId);
  t.is(found && dec(found.body), 'one');
  t.is(found?.physicalOffset, r.physicalOffset);
  t.is((await messaging.viewMessage(r.msgId.toLowerCase()))?.msgId, r.msgId, 'hex case does not matter');
});

test('viewMessage verifies the record: no record at the offset, or another host, finds nothing without an index', async (t) => {
  const { messaging } = harness(t);
  const r = ok(await messaging.produce({ topic: 'V', body: enc('x') }));
  t.is(await messaging.viewMessage(encodeMsgId(STORE_HOST, r.physicalOffset + 1)), undefined, 'inside a record');
  t.is(await messaging.viewMessage(encodeMsgId(STORE_HOST, r.physicalOffset + r.size)), undefined, 'beyond the end');
  t.is(await messaging.viewMessage(encodeMsgId({ address: '10.0.0.9', port: 10911 }, r.physicalOffset)), undefined, 'another broker');
  t.is(await messaging.viewMessage('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF'), undefined);
});

test('viewMessage rejects ids that are no message id', async (t) => {
  const { messaging } = harness(t);
  for (const id of ['', 'has space', 'x'.repeat(129), 'tab\t', 'é']) await rejectsWith(t, messaging.viewMessage(id), 'MSG_ID_INVALID');
});

test('viewMessage by UNIQ_KEY uses the index (topic-less) and skips stale candidates', async (t) => {
  const { messaging, index } = harness(t, { withIndex: true });
  const uniq = 'AC1100020001B4AAC2E0175A4B470000';
  const stale = ok(await messaging.produce({ topic: 'U', body: enc('other'), properties: { UNIQ_KEY: 'SOMETHING-ELSE' } }));
  const real = ok(await messaging.produce({ topic: 'U', body: enc('mine'), properties: { UNIQ_KEY: uniq } }));
  index!.uniqHits.set(uniq, { physicalOffsets: [stale.physicalOffset, real.physicalOffset + 3, 9_999_999, real.physicalOffset] });
  const found = await messaging.viewMessage(uniq);
  t.is(found && dec(found.body), 'mine');
  t.like(index!.asked[0], { kind: 'uniq', topic: undefined, key: uniq });
  index!.uniqHits.set('GONE', { physicalOffsets: [stale.physicalOffset] });
  t.is(await messaging.viewMessage('GONE'), undefined);
});

test('viewMessage follows index pages for a UNIQ_KEY', async (t) => {
  const { messaging, index } = harness(t, { withIndex: true });
  const real = ok(await messaging.produce({ topic: 'U', body: enc('paged'), properties: { UNIQ_KEY: 'PAGED' } }));
  const pages = [{ physicalOffsets: [12345], nextCursor: 'c1' }, { physicalOffsets: [real.physicalOffset] }];
  index!.byUniqKey = async (_topic, _key, page) => pages[page.cursor === 'c1' ? 1 : 0]!;
  t.is((await messaging.viewMessage('PAGED'))?.msgId, real.msgId);
});

test('viewMessage needs consume on the found message topic', async (t) => {
  const { messaging, auth } = harness(t);
  const r = ok(await messaging.produce({ topic: 'Hidden', body: enc('x') }));
  auth.deny('consume', { kind: 'topic', name: 'Hidden' });
  await rejectsWith(t, messaging.viewMessage(r.msgId), 'AUTH_FORBIDDEN');
});

test('queryByKey keeps only verified candidates and passes the cursor through', async (t) => {
  const { messaging, index } = harness(t, { withIndex: true });
  const a = ok(await messaging.produce({ topic: 'K', body: enc('a'), keys: ['order-1', 'x'] }));
  const wrongKey = ok(await messaging.produce({ topic: 'K', body: enc('b'), keys: ['order-2'] }));
  const wrongTopic = ok(await messaging.produce({ topic: 'Other', body: enc('c'), keys: ['order-1'] }));
  const c = ok(await messaging.produce({ topic: 'K', body: enc('d'), keys: ['order-1'] }));
  index!.keyHits.set('K/order-1', {
    physicalOffsets: [a.physicalOffset, wrongKey.physicalOffset, wrongTopic.physicalOffset, a.physicalOffset + 1, 77_777_777, c.physicalOffset],
    nextCursor: 'next-page',
  });
  const page = await messaging.queryByKey('K', 'order-1', { limit: 10 });
  t.deepEqual(page.messages.map((m) => dec(m.body)), ['a', 'd']);
  t.is(page.nextCursor, 'next-page');
  t.like(index!.asked[0], { kind: 'key', topic: 'K', key: 'order-1', page: { limit: 10 } });
});

test('queryByKey clamps the page limit and applies the time window to candidates', async (t) => {
  const { messaging, index, clock } = harness(t, { withIndex: true, config: { maxReadMessages: 50 } });
  const early = ok(await messaging.produce({ topic: 'K', body: enc('early'), keys: ['k'] }));
  clock.advance(10_000);
  const late = ok(await messaging.produce({ topic: 'K', body: enc('late'), keys: ['k'] }));
  index!.keyHits.set('K/k', { physicalOffsets: [early.physicalOffset, late.physicalOffset] });
  const page = await messaging.queryByKey('K', 'k', { limit: 1_000_000, beginTimestamp: late.storeTimestamp - 1 });
  t.deepEqual(page.messages.map((m) => dec(m.body)), ['late']);
  t.is(page.nextCursor, undefined);
  t.is(index!.asked[0]?.page.limit, 50);
  await messaging.queryByKey('K', 'k', { limit: 0 });
  t.is(index!.asked[1]?.page.limit, 1);
});

test('queryByKey without an index answers an empty page; auth and names are still checked', async (t) => {
  const { messaging, auth } = harness(t);
  ok(await messaging.produce({ topic: 'K', body: enc('a'), keys: ['k'] }));
  t.deepEqual(await messaging.queryByKey('K', 'k', { limit: 10 }), { messages: [] });
  await rejectsWith(t, messaging.queryByKey('K/..', 'k', { limit: 10 }), 'TOPIC_NAME_INVALID');
  auth.deny('consume', { kind: 'topic', name: 'K' });
  await rejectsWith(t, messaging.queryByKey('K', 'k', { limit: 10 }), 'AUTH_FORBIDDEN');
});

test('a store that reports STORE_CORRUPT for an offset inside a record is answered as not found', async (t) => {
  const { messaging, store } = harness(t);
  const r = ok(await messaging.produce({ topic: 'V', body: enc('x') }));
  const lookup = store.lookup.bind(store);
  store.lookup = async (phys) => {
    if (phys !== r.physicalOffset) throw new CometError('STORE_CORRUPT', 'bad magic');
    return lookup(phys);
  };
  t.is(await messaging.viewMessage(encodeMsgId(STORE_HOST, r.physicalOffset + 5)), undefined);
  t.is((await messaging.viewMessage(r.msgId))?.msgId, r.msgId);
  store.lookup = async () => {
    throw new CometError('STORE_CLOSED', 'closed');
  };
  await rejectsWith(t, messaging.viewMessage(r.msgId), 'STORE_CLOSED');
});
