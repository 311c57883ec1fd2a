import test from 'ava';
import type { AppendResult } from '../../kernel/messaging/store.js';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import { shardingQueue } from './queue-select.js';
import { enc, harness } from './test/harness.js';

const code = (r: AppendResult | undefined): string | undefined => (r?.status === 'rejected' ? r.error.code : r?.status);

test('auto-create on: producing to an unknown topic creates it once (8 queues, perm RW)', async (t) => {
  const { messaging, metadata } = harness(t);
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => messaging.produce({ topic: 'Fresh', body: enc(`m${i}`) })));
  t.true(results.every((r) => r.status === 'ok'));
  t.like(messaging.topics.get('Fresh'), { readQueueNums: 8, writeQueueNums: 8, perm: 6, order: false });
  t.is(metadata.calls.putTopic, 1, 'concurrent produces create the topic once');
});

test('auto-create honours defaultQueueNums', async (t) => {
  const { messaging } = harness(t, { config: { defaultQueueNums: 3 } });
  await messaging.produce({ topic: 'Three', body: enc('x') });
  t.like(messaging.topics.get('Three'), { readQueueNums: 3, writeQueueNums: 3 });
});

test('auto-create off: unknown topic is rejected with TOPIC_NOT_FOUND and nothing is stored', async (t) => {
  const { messaging, store } = harness(t, { config: { autoCreateTopics: false } });
  t.false(messaging.topics.autoCreate());
  const r = await messaging.produce({ topic: 'Nope', body: enc('x') });
  t.is(code(r), 'TOPIC_NOT_FOUND');
  t.is(messaging.topics.get('Nope'), undefined);
  t.is(store.stats().writtenOffset, 0);
  await messaging.topics.setAutoCreate(true, INTERNAL_IDENTITY);
  t.is(code(await messaging.produce({ topic: 'Nope', body: enc('x') })), 'ok');
});

test('validation failures come back as rejected results, not exceptions', async (t) => {
  const { messaging } = harness(t);
  t.is(code(await messaging.produce({ topic: '../etc', body: enc('x') })), 'TOPIC_NAME_INVALID');
  t.is(code(await messaging.produce({ topic: '', body: enc('x') })), 'TOPIC_NAME_INVALID');
  t.is(code(await messaging.produce({ topic: 'Big', body: new Uint8Array(4 * 1024 * 1024 + 1) })), 'MESSAGE_TOO_LARGE');
});

test('explicit queueId is used and checked against writeQueueNums', async (t) => {
  const { messaging } = harness(t);
  await messaging.topics.create({ topicName: 'Q', readQueueNums: 4, writeQueueNums: 4 });
  const r = await messaging.produce({ topic: 'Q', body: enc('x'), queueId: 3 });
  t.like(r, { status: 'ok', queueId: 3, queueOffset: 0 });
  for (const queueId of [4, -1, 1.5, Number.NaN]) {
    t.is(code(await messaging.produce({ topic: 'Q', body: enc('x'), queueId })), 'QUEUE_ID_INVALID', String(queueId));
  }
  t.is(messaging.maxOffset('Q', 3), 1);
});

test('a sharding key always maps to the same queue (Java hashCode, abs, modulo)', async (t) => {
  const { messaging } = harness(t);
  t.is(shardingQueue('hello', 8), 2);
  t.is(shardingQueue('order-42', 8), 5);
  t.is(shardingQueue('polygenelubricants', 8), 0, 'hashCode is Integer.MIN_VALUE');
  const queues = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const r = await messaging.produce({ topic: 'Orders', body: enc(`o${i}`), shardingKey: 'order-42' });
    if (r.status === 'ok') queues.add(r.queueId);
  }
  t.deepEqual([...queues], [5]);
  t.is(messaging.maxOffset('Orders', 5), 12);
  const explicit = await messaging.produce({ topic: 'Orders', body: enc('x'), shardingKey: 'order-42', queueId: 1 });
  t.like(explicit, { queueId: 1 }, 'queueId wins over shardingKey');
});

test('round robin spreads messages evenly over the write queues', async (t) => {
  const { messaging } = harness(t);
  await messaging.topics.create({ topicName: 'Spread', readQueueNums: 4, writeQueueNums: 4 });
  for (let i = 0; i < 16; i++) await messaging.produce({ topic: 'Spread', body: enc(`s${i}`) });
  t.deepEqual([0, 1, 2, 3].map((q) => messaging.maxOffset('Spread', q)), [4, 4, 4, 4]);
});

test('round robin uses only writeQueueNums even when more queues are readable', async (t) => {
  const { messaging } = harness(t);
  await messaging.topics.create({ topicName: 'Narrow', readQueueNums: 4, writeQueueNums: 2 });
  for (let i = 0; i < 6; i++) await messaging.produce({ topic: 'Narrow', body: enc(`n${i}`) });
  t.deepEqual([0, 1, 2, 3].map((q) => messaging.maxOffset('Narrow', q)), [3, 3, 0, 0]);
});

test('a read-only topic rejects produce with TOPIC_NOT_WRITABLE', async (t) => {
  const { messaging, store } = harness(t);
  await messaging.topics.create({ topicName: 'ReadOnly', perm: 4 });
  t.is(code(await messaging.produce({ topic: 'ReadOnly', body: enc('x') })), 'TOPIC_NOT_WRITABLE');
  t.is(store.stats().writtenOffset, 0);
});

for (const decidingAuth of [false, true]) {
  const how = decidingAuth ? 'answered at once (Auth.decided)' : 'answered by authorize()';
  test(`auth deny on produce gives AUTH_FORBIDDEN; the identity given (or anonymous) is asked; ${how}`, async (t) => {
    const { messaging, auth, store } = harness(t, { decidingAuth });
    auth.deny('produce', { kind: 'topic', name: 'Secret' });
    const user = { kind: 'user', user: 'alice' } as const;
    t.is(code(await messaging.produce({ topic: 'Secret', body: enc('x') }, user)), 'AUTH_FORBIDDEN');
    t.is(messaging.topics.get('Secret'), undefined, 'a denied produce does not auto-create');
    t.is(store.stats().writtenOffset, 0);
    t.deepEqual(auth.asked[0], { identity: user, action: 'produce', resource: { kind: 'topic', name: 'Secret' } });
    t.is(code(await messaging.produce({ topic: 'Open', body: enc('x') })), 'ok', 'auto-created');
    t.is(code(await messaging.produce({ topic: 'Open', body: enc('y') })), 'ok', 'existing topic');
    t.deepEqual(auth.asked.at(-1)?.identity, { kind: 'anonymous' });
    t.is(auth.decidedCount, decidingAuth ? 3 : 0);
  });
}

test('produceBatch: one appendBatch call, per-message results, a bad message does not stop the rest', async (t) => {
  const { messaging, store } = harness(t);
  await messaging.topics.create({ topicName: 'Batch', readQueueNums: 2, writeQueueNums: 2 });
  let batches = 0;
  const appendBatch = store.appendBatch.bind(store);
  store.appendBatch = async (inputs) => {
    batches++;
    return appendBatch(inputs);
  };
  const results = await messaging.produceBatch('Batch', [
    { topic: 'Batch', body: enc('a'), queueId: 0 },
    { topic: 'Batch', body: enc('bad queue'), queueId: 7 },
    { topic: 'Other', body: enc('wrong topic') },
    { topic: 'Batch', body: new Uint8Array(4 * 1024 * 1024 + 1), queueId: 0 },
    { topic: 'Batch', body: enc('b'), queueId: 0 },
    { topic: 'Batch', body: enc('c'), shardingKey: 'hello' },
  ]);
  t.is(batches, 1);
  t.deepEqual(results.map(code), ['ok', 'QUEUE_ID_INVALID', 'MESSAGE_INVALID', 'MESSAGE_TOO_LARGE', 'ok', 'ok']);
  t.like(results[4], { queueId: 0, queueOffset: 1 });
  t.like(results[5], { queueId: shardingQueue('hello', 2) });
});

test('produceBatch allOrNothing: a message failing the checks (here or in the store) stores none of the batch', async (t) => {
  const { messaging, store } = harness(t);
  await messaging.topics.create({ topicName: 'Atomic', readQueueNums: 1, writeQueueNums: 1 });
  const routing = await messaging.produceBatch('Atomic', [
    { topic: 'Atomic', body: enc('a'), queueId: 0 },
    { topic: 'Atomic', body: enc('bad queue'), queueId: 7 },
  ], undefined, { allOrNothing: true });
  t.deepEqual(routing.map(code), ['BATCH_REJECTED', 'QUEUE_ID_INVALID']);
  const inStore = await messaging.produceBatch('Atomic', [
    { topic: 'Atomic', body: enc('a'), queueId: 0 },
    { topic: 'Atomic', body: new Uint8Array(4 * 1024 * 1024 + 1), queueId: 0 },
  ], undefined, { allOrNothing: true });
  t.deepEqual(inStore.map(code), ['BATCH_REJECTED', 'MESSAGE_TOO_LARGE']);
  t.is(store.stats().writtenOffset, 0);
  const stored = await messaging.produceBatch('Atomic', ['x', 'y'].map((s) => ({ topic: 'Atomic', body: enc(s), queueId: 0 })), undefined, { allOrNothing: true });
  t.deepEqual(stored.map(code), ['ok', 'ok']);
  t.like(stored[1], { queueOffset: 1 });
});

test('produceBatch: a topic-level failure rejects every message without touching the store', async (t) => {
  const { messaging, auth, store } = harness(t);
  auth.deny('produce', { kind: 'topic', name: 'Denied' });
  const denied = await messaging.produceBatch('Denied', [
    { topic: 'Denied', body: enc('a') },
    { topic: 'Denied', body: enc('b') },
  ]);
  t.deepEqual(denied.map(code), ['AUTH_FORBIDDEN', 'AUTH_FORBIDDEN']);
  const invalid = await messaging.produceBatch('a/b', [{ topic: 'a/b', body: enc('a') }]);
  t.deepEqual(invalid.map(code), ['TOPIC_NAME_INVALID']);
  t.deepEqual(await messaging.produceBatch('Empty', []), []);
  t.is(store.stats().writtenOffset, 0);
});
