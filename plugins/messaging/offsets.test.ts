import test from 'ava';
import { enc, harness, rejectsWith, throwsWith } from './test/harness.js';

test('commitOffset then queryOffset; a group that never committed has none', async (t) => {
  const { messaging } = harness(t);
  t.is(messaging.queryOffset('G1', 'T', 0), undefined);
  await messaging.commitOffset('G1', 'T', 0, 5);
  await messaging.commitOffset('G1', 'T', 1, 9);
  t.is(messaging.queryOffset('G1', 'T', 0), 5);
  t.is(messaging.queryOffset('G1', 'T', 1), 9);
  t.is(messaging.queryOffset('G2', 'T', 0), undefined);
  t.deepEqual(
    [...messaging.groups.offsets('G1')].sort((a, b) => a.queueId - b.queueId),
    [
      { group: 'G1', topic: 'T', queueId: 0, offset: 5 },
      { group: 'G1', topic: 'T', queueId: 1, offset: 9 },
    ],
  );
});

test('a negative offset is ignored (RocketMQ -1), a non-integer is OFFSET_INVALID', async (t) => {
  const { messaging } = harness(t);
  await messaging.commitOffset('G', 'T', 0, 3);
  await messaging.commitOffset('G', 'T', 0, -1);
  t.is(messaging.queryOffset('G', 'T', 0), 3);
  await rejectsWith(t, messaging.commitOffset('G', 'T', 0, 1.5), 'OFFSET_INVALID');
  await rejectsWith(t, messaging.commitOffset('G', 'T', 0, Number.NaN), 'OFFSET_INVALID');
  await rejectsWith(t, messaging.commitOffset('G', 'T', 0, 2 ** 60), 'OFFSET_INVALID');
  t.is(messaging.queryOffset('G', 'T', 0), 3);
});

test('commitOffset validates names and queue, and asks auth for consume on the group and topic', async (t) => {
  const { messaging, auth } = harness(t);
  await rejectsWith(t, messaging.commitOffset('bad group!', 'T', 0, 1), 'GROUP_NAME_INVALID');
  await rejectsWith(t, messaging.commitOffset('G', '../T', 0, 1), 'TOPIC_NAME_INVALID');
  await rejectsWith(t, messaging.commitOffset('G', 'T', -2, 1), 'QUEUE_ID_INVALID');
  auth.deny('consume', { kind: 'group', name: 'Locked' });
  await rejectsWith(t, messaging.commitOffset('Locked', 'T', 0, 1), 'AUTH_FORBIDDEN');
  t.is(messaging.queryOffset('Locked', 'T', 0), undefined);
  const user = { kind: 'user', user: 'bob' } as const;
  await messaging.commitOffset('G', 'T', 0, 1, user);
  t.deepEqual(auth.asked.slice(-2), [
    { identity: user, action: 'consume', resource: { kind: 'group', name: 'G' } },
    { identity: user, action: 'consume', resource: { kind: 'topic', name: 'T' } },
  ]);
});

test('startOffset: committed offset, else the queue min offset for a new group', async (t) => {
  const { messaging, store } = harness(t);
  for (let i = 0; i < 5; i++) await messaging.produce({ topic: 'T', body: enc(`m${i}`), queueId: 0 });
  t.is(messaging.startOffset('New', 'T', 0), 0);
  store.dropBefore('T', 0, 2);
  t.is(messaging.minOffset('T', 0), 2);
  t.is(messaging.maxOffset('T', 0), 5);
  t.is(messaging.startOffset('New', 'T', 0), 2, 'a new group starts at the oldest kept message');
  await messaging.commitOffset('Old', 'T', 0, 4);
  t.is(messaging.startOffset('Old', 'T', 0), 4);
  t.is(messaging.startOffset('New', 'T', 3), 0, 'an unwritten queue starts at 0');
});

test('queryOffset and bounds validate their arguments synchronously', (t) => {
  const { messaging } = harness(t);
  throwsWith(t, () => messaging.queryOffset('', 'T', 0), 'GROUP_NAME_INVALID');
  throwsWith(t, () => messaging.minOffset('T T', 0), 'TOPIC_NAME_INVALID');
  throwsWith(t, () => messaging.maxOffset('T', 0.5), 'QUEUE_ID_INVALID');
});

test('offsetByTime asks the store', async (t) => {
  const { messaging, clock } = harness(t);
  const t0 = clock.now();
  await messaging.produce({ topic: 'T', body: enc('a'), queueId: 0 });
  clock.advance(1000);
  await messaging.produce({ topic: 'T', body: enc('b'), queueId: 0 });
  t.is(await messaging.offsetByTime('T', 0, t0 - 1), 0);
  t.is(await messaging.offsetByTime('T', 0, t0 + 1), 1);
  t.is(await messaging.offsetByTime('T', 0, t0 + 5000), 2);
  await rejectsWith(t, messaging.offsetByTime('T', 0, Number.NaN), 'OFFSET_INVALID');
});
