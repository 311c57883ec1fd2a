import test from 'ava';
import type { TopicSpec } from '../../kernel/messaging/api.js';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import { GROUP_DEFAULTS } from './group-admin.js';
import { enc, harness, rejectsWith } from './test/harness.js';

test('create, get, list; a second create is TOPIC_EXISTS', async (t) => {
  const { messaging, clock } = harness(t);
  const created = await messaging.topics.create({ topicName: 'A', readQueueNums: 2, writeQueueNums: 3, perm: 6, order: true });
  t.deepEqual(created, { topicName: 'A', readQueueNums: 2, writeQueueNums: 3, perm: 6, order: true, createdAt: clock.now(), updatedAt: clock.now() });
  t.deepEqual(messaging.topics.get('A'), created);
  await messaging.topics.create({ topicName: 'B' });
  t.like(messaging.topics.get('B'), { readQueueNums: 8, writeQueueNums: 8, perm: 6, order: false });
  t.deepEqual(messaging.topics.list().map((c) => c.topicName).sort(), ['A', 'B']);
  await rejectsWith(t, messaging.topics.create({ topicName: 'A' }), 'TOPIC_EXISTS');
});

test('update changes only the given fields; an absent topic is TOPIC_NOT_FOUND; upsert does both', async (t) => {
  const { messaging, clock } = harness(t);
  await rejectsWith(t, messaging.topics.update({ topicName: 'U', perm: 4 }), 'TOPIC_NOT_FOUND');
  const first = await messaging.topics.upsert({ topicName: 'U', readQueueNums: 4, writeQueueNums: 4 });
  clock.advance(10);
  const updated = await messaging.topics.update({ topicName: 'U', perm: 4 });
  t.like(updated, { readQueueNums: 4, writeQueueNums: 4, perm: 4, createdAt: first.createdAt, updatedAt: first.createdAt + 10 });
  const again = await messaging.topics.upsert({ topicName: 'U', writeQueueNums: 1 });
  t.like(again, { readQueueNums: 4, writeQueueNums: 1, perm: 4 });
});

test('topic specs are validated: queue counts 1..1024 integers, perm 0..7, names', async (t) => {
  const { messaging, metadata } = harness(t);
  const bad: TopicSpec[] = [
    { topicName: 'X', readQueueNums: 0 },
    { topicName: 'X', writeQueueNums: 1025 },
    { topicName: 'X', readQueueNums: 1.5 },
    { topicName: 'X', perm: 8 },
    { topicName: 'X', perm: -1 },
    { topicName: 'X', perm: 2.5 },
  ];
  for (const spec of bad) await rejectsWith(t, messaging.topics.create(spec), 'TOPIC_CONFIG_INVALID');
  for (const spec of bad) await rejectsWith(t, messaging.topics.upsert(spec), 'TOPIC_CONFIG_INVALID');
  await rejectsWith(t, messaging.topics.create({ topicName: '../../etc' }), 'TOPIC_NAME_INVALID');
  await rejectsWith(t, messaging.topics.create({ topicName: 'x'.repeat(128) }), 'TOPIC_NAME_INVALID');
  t.is(metadata.calls.putTopic, 0);
  await messaging.topics.create({ topicName: 'Edge', readQueueNums: 1024, writeQueueNums: 1, perm: 0 });
  t.like(messaging.topics.get('Edge'), { readQueueNums: 1024, writeQueueNums: 1, perm: 0 });
});

test('topic changes need admin:write on the cluster', async (t) => {
  const { messaging, auth } = harness(t);
  await messaging.topics.create({ topicName: 'Kept' }, INTERNAL_IDENTITY);
  auth.deny('admin:write', { kind: 'cluster' });
  await rejectsWith(t, messaging.topics.create({ topicName: 'New' }), 'AUTH_FORBIDDEN');
  await rejectsWith(t, messaging.topics.update({ topicName: 'Kept', perm: 4 }), 'AUTH_FORBIDDEN');
  await rejectsWith(t, messaging.topics.upsert({ topicName: 'Kept' }), 'AUTH_FORBIDDEN');
  await rejectsWith(t, messaging.topics.delete('Kept'), 'AUTH_FORBIDDEN');
  await rejectsWith(t, messaging.topics.setAutoCreate(false), 'AUTH_FORBIDDEN');
  t.true(messaging.topics.autoCreate());
  t.like(messaging.topics.get('Kept'), { perm: 6 });
  t.is(messaging.topics.get('New'), undefined);
  t.deepEqual(auth.asked[0], { identity: INTERNAL_IDENTITY, action: 'admin:write', resource: { kind: 'cluster' } });
});

test('describe lists queues 0..max(read,write)-1 with store bounds', async (t) => {
  const { messaging, store } = harness(t);
  await messaging.topics.create({ topicName: 'D', readQueueNums: 3, writeQueueNums: 2 });
  for (let i = 0; i < 4; i++) await messaging.produce({ topic: 'D', body: enc(`d${i}`), queueId: 1 });
  store.dropBefore('D', 1, 1);
  const view = messaging.topics.describe('D');
  t.like(view, { topicName: 'D', readQueueNums: 3, writeQueueNums: 2 });
  t.deepEqual(view?.queues, [
    { queueId: 0, minOffset: 0, maxOffset: 0 },
    { queueId: 1, minOffset: 1, maxOffset: 4 },
    { queueId: 2, minOffset: 0, maxOffset: 0 },
  ]);
  t.is(messaging.topics.describe('Nope'), undefined);
});

test('delete removes the topic and its consumer offsets; producing again auto-creates it', async (t) => {
  const { messaging } = harness(t);
  await messaging.produce({ topic: 'Gone', body: enc('x') });
  t.like(await messaging.produce({ topic: 'Gone', body: enc('x') }), { queueId: 1 });
  await messaging.commitOffset('G', 'Gone', 0, 1);
  await messaging.commitOffset('G', 'Stays', 0, 7);
  t.true(await messaging.topics.delete('Gone'));
  t.false(await messaging.topics.delete('Gone'));
  t.is(messaging.topics.get('Gone'), undefined);
  t.is(messaging.queryOffset('G', 'Gone', 0), undefined);
  t.is(messaging.queryOffset('G', 'Stays', 0), 7);
  t.like(await messaging.produce({ topic: 'Gone', body: enc('y') }), { status: 'ok', queueId: 0 }, 'round robin restarts');
});

test('groups.ensure creates a group with RocketMQ defaults once; get and list see it', async (t) => {
  const { messaging, metadata, clock } = harness(t);
  const [a, b] = await Promise.all([messaging.groups.ensure('Consumers'), messaging.groups.ensure('Consumers')]);
  t.deepEqual(a, { groupName: 'Consumers', ...GROUP_DEFAULTS, createdAt: clock.now() });
  t.deepEqual(b, a);
  t.is(metadata.calls.putGroup, 1);
  t.deepEqual(GROUP_DEFAULTS, { consumeEnable: true, consumeBroadcastEnable: true, retryQueueNums: 1, retryMaxTimes: 16 });
  t.deepEqual(messaging.groups.get('Consumers'), a);
  t.deepEqual(messaging.groups.list(), [a]);
  await rejectsWith(t, messaging.groups.ensure('no spaces'), 'GROUP_NAME_INVALID');
});

test('groups.ensure with autoCreateGroups off: existing groups only, else GROUP_NOT_FOUND', async (t) => {
  const { messaging, metadata } = harness(t, { config: { autoCreateGroups: false } });
  await rejectsWith(t, messaging.groups.ensure('Unknown'), 'GROUP_NOT_FOUND');
  await metadata.putGroup({ groupName: 'Known', ...GROUP_DEFAULTS, retryMaxTimes: 3, createdAt: 1 });
  t.like(await messaging.groups.ensure('Known'), { retryMaxTimes: 3 });
});
