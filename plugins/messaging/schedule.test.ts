import test from 'ava';
import type { ExecutionContext } from 'ava';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import type { StoredMessage } from '../../kernel/messaging/message.js';
import { PERM_READ, PERM_WRITE } from '../../kernel/messaging/metadata.js';
import { DEFAULT_DELAY_LEVELS, parseDelayLevels } from './delay-levels.js';
import { SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC } from './schedule.js';
import { advance, dec, enc, harness, readAll, throwsWith } from './test/harness.js';

function bodies(messages: readonly StoredMessage[]): string[] {
  return messages.map((m) => dec(m.body));
}

test('delay levels: the default is RocketMQ messageDelayLevel; units ms/s/m/h/d; bad lists are CONFIG_INVALID', (t) => {
  const levels = parseDelayLevels(DEFAULT_DELAY_LEVELS);
  t.is(levels.length, 18);
  t.deepEqual(levels.slice(0, 5), [1000, 5000, 10_000, 30_000, 60_000]);
  t.is(levels[17], 2 * 3_600_000);
  t.deepEqual(parseDelayLevels('  500ms 2s\t3m 1h 1d '), [500, 2000, 180_000, 3_600_000, 86_400_000]);
  for (const bad of ['', '   ', '5x', '0s', '1.5s', '-1s', 's', '10', '1s,2s']) {
    throwsWith(t, () => parseDelayLevels(bad), 'CONFIG_INVALID');
  }
});

async function setupDelayed(t: ExecutionContext) {
  const h = harness(t, { start: true, config: { defaultQueueNums: 2 } });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 2, writeQueueNums: 2 }, INTERNAL_IDENTITY);
  return h;
}

test('a delayed produce is held on SCHEDULE_TOPIC_XXXX and appears on its topic only when due, as a copy', async (t) => {
  const h = await setupDelayed(t);
  const r = await h.messaging.produce({
    topic: 'T',
    queueId: 1,
    body: enc('later'),
    tags: 'TagA',
    keys: ['k1', 'k2'],
    properties: { a: '1' },
    bornTimestamp: 42,
    flag: 7,
    reconsumeTimes: 2,
    delayLevel: 2,
  });
  t.like(r, { status: 'ok', topic: SCHEDULE_TOPIC, queueId: 1 }, 'the result is the schedule-topic append');
  t.like(h.messaging.topics.get(SCHEDULE_TOPIC), { readQueueNums: 18, writeQueueNums: 18, perm: PERM_READ | PERM_WRITE });
  const held = (await readAll(h.messaging, SCHEDULE_TOPIC, 1))[0];
  t.like(held?.properties, { REAL_TOPIC: 'T', REAL_QID: '1', DELAY: '2', a: '1' });

  await advance(h, 4_999);
  t.is(h.messaging.maxOffset('T', 1), 0, 'not visible before its 5 s delay');
  t.is(h.messaging.schedule.pendingTimers(), 1, 'one timer for the head of level 2');
  await advance(h, 1);
  const [copy, ...rest] = await readAll(h.messaging, 'T', 1);
  t.is(rest.length, 0);
  t.truthy(copy);
  if (copy === undefined || r.status !== 'ok') return;
  t.is(dec(copy.body), 'later');
  t.not(copy.physicalOffset, r.physicalOffset, 'a fresh copy');
  t.like(copy, { tags: 'TagA', bornTimestamp: 42, flag: 7, reconsumeTimes: 2 });
  t.deepEqual(copy.keys, ['k1', 'k2']);
  t.is(copy.properties.a, '1');
  for (const gone of ['DELAY', 'REAL_TOPIC', 'REAL_QID']) t.false(gone in copy.properties, `${gone} cleared`);
  t.is(h.metadata.queryOffset(SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC, 1), 1, 'level offset committed');
  t.is(h.messaging.schedule.pendingTimers(), 0);
});

test('delayed messages of a level are delivered in order, each at its own time; DELAY property and clamping', async (t) => {
  const h = await setupDelayed(t);
  await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('m1'), delayLevel: 1 });
  await advance(h, 300);
  await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('m2'), properties: { DELAY: '1' } });
  await advance(h, 300);
  await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('m3'), delayLevel: 1 });
  await advance(h, 400);
  t.deepEqual(bodies(await readAll(h.messaging, 'T', 0)), ['m1']);
  await advance(h, 300);
  t.deepEqual(bodies(await readAll(h.messaging, 'T', 0)), ['m1', 'm2']);
  await advance(h, 300);
  t.deepEqual(bodies(await readAll(h.messaging, 'T', 0)), ['m1', 'm2', 'm3']);

  const clamped = await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('max'), delayLevel: 99 });
  t.like(clamped, { status: 'ok', topic: SCHEDULE_TOPIC, queueId: 17 }, 'levels above 18 clamp to 18');
  const viaProperty = await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('p'), delayLevel: 0, properties: { DELAY: '4' } });
  t.like(viaProperty, { status: 'ok', topic: SCHEDULE_TOPIC, queueId: 3 }, 'delayLevel 0 leaves the DELAY property in charge');
  const plain = await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('now'), properties: { DELAY: '0' } });
  t.like(plain, { status: 'ok', topic: 'T' }, 'DELAY 0 is no delay');
  const bad = await h.messaging.produce({ topic: 'T', body: enc('x'), delayLevel: 1.5 });
  t.like(bad, { status: 'rejected' });
  if (bad.status === 'rejected') t.is(bad.error.code, 'MESSAGE_INVALID');
});

test('clients cannot produce to SCHEDULE_TOPIC_XXXX; batches with a delay level are held too', async (t) => {
  const h = await setupDelayed(t);
  const direct = await h.messaging.produce({ topic: SCHEDULE_TOPIC, body: enc('x') });
  t.like(direct, { status: 'rejected' });
  if (direct.status === 'rejected') t.is(direct.error.code, 'TOPIC_NOT_WRITABLE');
  const batch = await h.messaging.produceBatch('T', [
    { topic: 'T', queueId: 0, body: enc('b1'), delayLevel: 1 },
    { topic: 'T', queueId: 0, body: enc('b2') },
  ]);
  t.like(batch, [{ status: 'ok', topic: SCHEDULE_TOPIC, queueId: 0 }, { status: 'ok', topic: 'T', queueId: 0 }]);
  await advance(h, 1000);
  t.deepEqual(bodies(await readAll(h.messaging, 'T', 0)), ['b2', 'b1']);
});

test('stop cancels the level timers and nothing is delivered afterwards', async (t) => {
  const h = await setupDelayed(t);
  await h.messaging.produce({ topic: 'T', queueId: 0, body: enc('x'), delayLevel: 1 });
  await h.messaging.schedule.idle();
  t.is(h.clock.pending(), 1);
  h.messaging.schedule.stop();
  t.is(h.clock.pending(), 0, 'timer cancelled');
  await advance(h, 5_000);
  t.is(h.messaging.maxOffset('T', 0), 0, 'nothing delivered after stop');
});
