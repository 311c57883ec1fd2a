import test from 'ava';
import type { PoppedMessage } from '../../../kernel/messaging/pop.js';
import { popBroker, text } from './harness.js';

const receive = { group: 'G', topic: 'T', max: 32, invisibleMs: 60_000, waitMs: 0 } as const;

test('nack → the message comes back from %RETRY%<group> with its original topic; after retryMaxTimes it lands in %DLQ%<group>', async (t) => {
  const b = await popBroker(t); // delay levels are 30 ms each
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.retryMaxTimes('G', 2);
  const sent = await b.produce('T', 'flaky', { tags: 'A' });
  let [m] = await b.pop.receive(receive);
  for (const expected of [1, 2]) {
    if (m === undefined) return t.fail('no delivery');
    t.deepEqual(await b.pop.nack('G', m.receiptHandle), { status: 'retry', topic: '%RETRY%G' });
    [m] = await b.pop.receive({ ...receive, waitMs: 10_000 });
    t.like(m, { topic: 'T', deliveryAttempt: 1, message: { topic: '%RETRY%G', reconsumeTimes: expected, tags: 'A' } });
    t.like(m?.message.properties, { RETRY_TOPIC: 'T', ORIGIN_MESSAGE_ID: sent.msgId });
    t.is(text(m?.message.body ?? new Uint8Array()), 'flaky');
  }
  if (m === undefined) return t.fail('no delivery');
  t.deepEqual(await b.pop.nack('G', m.receiptHandle), { status: 'dlq', topic: '%DLQ%G' });
  const dlq = await b.api.read({ topic: '%DLQ%G', queueId: 0, offset: 0, max: 10 });
  t.like(dlq.status === 'found' ? dlq.messages : [], [{ reconsumeTimes: 3, properties: { RETRY_TOPIC: 'T' } }]);
  t.deepEqual(await b.pop.receive({ ...receive, waitMs: 200 }), [], 'nothing left to deliver');
  t.is(b.api.queryOffset('G', 'T', 0), 1);
  t.is(b.api.queryOffset('G', '%RETRY%G', 0), 2, 'the retry queue is consumed too');
  await t.throwsAsync(b.pop.nack('G', m.receiptHandle), { code: 'RECEIPT_HANDLE_EXPIRED' } as never);
  await b.pop.ack('G', m.receiptHandle); // acking a nacked message is an idempotent success
});

test('nack with an explicit delay level; the retry topic is shared by topics of a group without mixing them', async (t) => {
  const b = await popBroker(t);
  for (const topicName of ['T', 'U']) await b.api.topics.create({ topicName, readQueueNums: 1, writeQueueNums: 1 });
  await b.produce('T', 't-msg');
  await b.produce('U', 'u-msg');
  const [tm] = await b.pop.receive(receive);
  const [um] = await b.pop.receive({ ...receive, topic: 'U' });
  if (!tm || !um) return t.fail('two deliveries expected');
  t.like(await b.pop.nack('G', um.receiptHandle, { delayLevel: 1 }), { status: 'retry' });
  t.like(await b.pop.nack('G', tm.receiptHandle, { delayLevel: 2 }), { status: 'retry' });
  const fromT: PoppedMessage[] = [];
  while (fromT.length === 0) fromT.push(...(await b.pop.receive({ ...receive, waitMs: 5000 })));
  t.deepEqual(fromT.map((m) => [m.topic, text(m.message.body)]), [['T', 't-msg']], 'T never sees U\'s retry copy');
  const [fromU] = await b.pop.receive({ ...receive, topic: 'U', waitMs: 5000 });
  t.like(fromU, { topic: 'U', message: { topic: '%RETRY%G' } });
  t.is(text(fromU?.message.body ?? new Uint8Array()), 'u-msg');
  await b.pop.ack('G', fromT[0]!.receiptHandle);
  t.true((b.api.queryOffset('G', '%RETRY%G', 0) ?? 0) < 2, 'U still holds its retry copy');
  if (fromU) await b.pop.ack('G', fromU.receiptHandle);
  t.is(b.api.queryOffset('G', '%RETRY%G', 0), 2, 'the retry queue is committed once both topics are done');
});
