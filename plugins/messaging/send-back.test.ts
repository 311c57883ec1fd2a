import test from 'ava';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import { PERM_READ, PERM_WRITE } from '../../kernel/messaging/metadata.js';
import { SCHEDULE_TOPIC } from './schedule.js';
import { advance, dec, enc, harness, readAll, rejectsWith } from './test/harness.js';
import type { Harness } from './test/harness.js';

const RW = PERM_READ | PERM_WRITE;

async function original(h: Harness, input: { reconsumeTimes?: number; properties?: Record<string, string> } = {}) {
  const r = await h.messaging.produce({
    topic: 'T',
    queueId: 0,
    body: enc('payload'),
    tags: 'TagA',
    keys: ['order-1'],
    flag: 3,
    bornTimestamp: 1234,
    bornHost: { address: '10.1.2.3', port: 5555 },
    ...input,
  });
  if (r.status !== 'ok') throw new Error(`produce failed: ${r.error.message}`);
  return r;
}

test('sendBack stores a retry copy through the schedule service: level 3 + reconsumeTimes, properties, reconsumeTimes + 1', async (t) => {
  const h = harness(t, { start: true });
  const sent = await original(h);
  const back = await h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: 0 });
  t.like(back, { status: 'retry', topic: '%RETRY%G' });
  if (back.status !== 'retry') return;
  t.like(back.result, { status: 'ok', topic: SCHEDULE_TOPIC, queueId: 2 }, 'held at level 3 (10 s)');
  t.like(h.messaging.groups.get('G'), { groupName: 'G', retryMaxTimes: 16 }, 'group auto-created');
  t.like(h.messaging.topics.get('%RETRY%G'), { readQueueNums: 1, writeQueueNums: 1, perm: RW });

  await advance(h, 9_999);
  t.is(h.messaging.maxOffset('%RETRY%G', 0), 0, 'not before 10 s');
  await advance(h, 1);
  const [retry] = await readAll(h.messaging, '%RETRY%G', 0);
  t.truthy(retry);
  if (retry === undefined) return;
  t.is(dec(retry.body), 'payload');
  t.like(retry, { reconsumeTimes: 1, tags: 'TagA', flag: 3, bornTimestamp: 1234, bornHost: { address: '10.1.2.3', port: 5555 } });
  t.deepEqual(retry.keys, ['order-1']);
  t.like(retry.properties, { RETRY_TOPIC: 'T', ORIGIN_MESSAGE_ID: sent.msgId });
  for (const gone of ['DELAY', 'REAL_TOPIC', 'REAL_QID']) t.false(gone in retry.properties);
});

test('after maxReconsumeTimes sends back the message goes to %DLQ%<group> at once; RETRY_TOPIC and ORIGIN_MESSAGE_ID kept', async (t) => {
  const h = harness(t, { start: true });
  const sent = await original(h);
  let offset = sent.physicalOffset;
  // Retry delays: level 3 (10 s), then level 4 (30 s).
  for (const [i, wait] of [10_000, 30_000].entries()) {
    // Once ORIGIN_MESSAGE_ID is set on the retry copy, a request's originMsgId no longer replaces it.
    const origin = i === 0 ? {} : { originMsgId: 'IGNORED' };
    const back = await h.messaging.sendBack({ group: 'G', physicalOffset: offset, delayLevel: 0, maxReconsumeTimes: 2, ...origin });
    t.like(back, { status: 'retry', topic: '%RETRY%G' }, `send-back ${i + 1} retries`);
    await advance(h, wait);
    const retries = await readAll(h.messaging, '%RETRY%G', 0);
    t.is(retries.length, i + 1);
    const latest = retries[i];
    if (latest === undefined) return;
    t.is(latest.reconsumeTimes, i + 1);
    offset = latest.physicalOffset;
  }
  const last = await h.messaging.sendBack({ group: 'G', physicalOffset: offset, delayLevel: 0, maxReconsumeTimes: 2 });
  t.like(last, { status: 'dlq', topic: '%DLQ%G', result: { status: 'ok', topic: '%DLQ%G', queueId: 0 } }, 'reconsumeTimes 2 >= max 2 → DLQ, no delay');
  t.like(h.messaging.topics.get('%DLQ%G'), { readQueueNums: 1, writeQueueNums: 1, perm: RW });
  const [dead] = await readAll(h.messaging, '%DLQ%G', 0);
  t.like(dead, { reconsumeTimes: 3, properties: { RETRY_TOPIC: 'T', ORIGIN_MESSAGE_ID: sent.msgId } });
});

test("the group's retryMaxTimes (16) applies by default with Java's >= rule on the original reconsumeTimes", async (t) => {
  const h = harness(t, { start: true });
  const fifteen = await original(h, { reconsumeTimes: 15 });
  const sixteen = await original(h, { reconsumeTimes: 16 });
  t.like(await h.messaging.sendBack({ group: 'G', physicalOffset: fifteen.physicalOffset, delayLevel: 0 }), {
    status: 'retry',
    result: { topic: SCHEDULE_TOPIC, queueId: 17 },
  }, '3 + 15 = level 18 (clamped to the last level)');
  t.like(await h.messaging.sendBack({ group: 'G', physicalOffset: sixteen.physicalOffset, delayLevel: 0 }), { status: 'dlq', topic: '%DLQ%G' });
});

test('delayLevel < 0 → DLQ; an explicit delayLevel is used; originMsgId used when the original has none; notFound', async (t) => {
  const h = harness(t, { start: true });
  const sent = await original(h);
  const dlq = await h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: -1, originMsgId: 'ABCDEF' });
  t.like(dlq, { status: 'dlq', topic: '%DLQ%G' });
  const [dead] = await readAll(h.messaging, '%DLQ%G', 0);
  t.like(dead, { reconsumeTimes: 1, properties: { ORIGIN_MESSAGE_ID: 'ABCDEF', RETRY_TOPIC: 'T' } });

  const level1 = await h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: 1 });
  t.like(level1, { status: 'retry', result: { topic: SCHEDULE_TOPIC, queueId: 0 } });
  await advance(h, 1_000);
  t.is(h.messaging.maxOffset('%RETRY%G', 0), 1);

  const kept = await original(h, { properties: { ORIGIN_MESSAGE_ID: 'FIRST', RETRY_TOPIC: 'Orig' } });
  await h.messaging.sendBack({ group: 'G', physicalOffset: kept.physicalOffset, delayLevel: -1, originMsgId: 'OTHER' });
  t.like((await readAll(h.messaging, '%DLQ%G', 0))[1], { properties: { ORIGIN_MESSAGE_ID: 'FIRST', RETRY_TOPIC: 'Orig' } });

  t.deepEqual(await h.messaging.sendBack({ group: 'G', physicalOffset: 987_654, delayLevel: 0 }), { status: 'notFound' });
  await rejectsWith(t, h.messaging.sendBack({ group: 'bad group', physicalOffset: 0, delayLevel: 0 }), 'GROUP_NAME_INVALID');
  await rejectsWith(t, h.messaging.sendBack({ group: 'G', physicalOffset: -1, delayLevel: 0 }), 'OFFSET_INVALID');
  await rejectsWith(t, h.messaging.sendBack({ group: 'G', physicalOffset: 0, delayLevel: 0.5 }), 'MESSAGE_INVALID');
});

test('sendBack is authorised as consume on the group and creates its topics without admin rights', async (t) => {
  const h = harness(t, { start: true });
  const sent = await original(h);
  h.auth.deny('admin:write', { kind: 'cluster' });
  t.like(await h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: 0 }), { status: 'retry' });
  t.truthy(h.messaging.topics.get('%RETRY%G'));
  h.auth.deny('consume', { kind: 'group', name: 'G' });
  await rejectsWith(t, h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: 0 }, INTERNAL_IDENTITY), 'AUTH_FORBIDDEN');
});

test('GROUP_NOT_FOUND when groups are not auto-created', async (t) => {
  const h = harness(t, { start: true, config: { autoCreateGroups: false } });
  const sent = await original(h);
  await rejectsWith(t, h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: 0 }), 'GROUP_NOT_FOUND');
});
