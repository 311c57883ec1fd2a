import test from 'ava';
import { isCometError } from '../../../kernel/errors.js';
import type { PoppedMessage } from '../../../kernel/messaging/pop.js';
import { parseTagExpression } from '../../../kernel/messaging/tags.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { popBroker, text } from './harness.js';

const receive = { group: 'G', topic: 'T', max: 32, invisibleMs: 200, waitMs: 0 } as const;
const bodies = (ms: readonly PoppedMessage[]): string[] => ms.map((m) => text(m.message.body)).sort();

test('receive → ack round trip: each message once with a URL-safe handle; nothing comes back after the ack', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 2, writeQueueNums: 2 });
  for (let i = 0; i < 5; i++) await b.produce('T', `m${i}`);
  const got = await b.pop.receive(receive);
  t.deepEqual(bodies(got), ['m0', 'm1', 'm2', 'm3', 'm4']);
  for (const m of got) {
    t.like(m, { topic: 'T', deliveryAttempt: 1 });
    t.regex(m.receiptHandle, /^[A-Za-z0-9_-]+$/);
    t.true(m.invisibleUntil > m.message.storeTimestamp);
  }
  for (const m of got) await b.pop.ack('G', m.receiptHandle);
  await b.pop.ack('G', got[0]!.receiptHandle); // idempotent
  t.truthy(b.api.groups.get('G'), 'the group shows in admin');
  // Longer than the invisible time: an acked message is never delivered again.
  t.deepEqual(await b.pop.receive({ ...receive, waitMs: 400 }), []);
  t.is(b.api.queryOffset('G', 'T', 0)! + b.api.queryOffset('G', 'T', 1)!, 5, 'consume offsets reflect the acks');
});

test('an unacked message comes back after its invisible time as attempt 2 with a new handle; the old handle is then expired', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.produce('T', 'again');
  const [first] = await b.pop.receive(receive);
  t.like(first, { deliveryAttempt: 1 });
  const early = await b.pop.receive({ ...receive, invisibleMs: 60_000 });
  // Invisible while held (a heavily loaded machine may already be past the 200 ms).
  if (Date.now() < (first?.invisibleUntil ?? 0)) t.deepEqual(early, [], 'invisible while held');
  const [second] = early.length > 0 ? early : await b.pop.receive({ ...receive, invisibleMs: 60_000, waitMs: 10_000 });
  t.truthy(first && second);
  if (!first || !second) return;
  t.like(second, { deliveryAttempt: 2, topic: 'T' });
  t.is(text(second.message.body), 'again');
  t.is(second.message.msgId, first.message.msgId);
  t.not(second.receiptHandle, first.receiptHandle);
  t.true(Date.now() >= first.invisibleUntil, 'not before the first invisible time ended');
  await t.throwsAsync(b.pop.ack('G', first.receiptHandle), { code: 'RECEIPT_HANDLE_EXPIRED' } as never);
  await t.throwsAsync(b.pop.extend('G', first.receiptHandle, 1000), { code: 'RECEIPT_HANDLE_EXPIRED' } as never);
  await b.pop.ack('G', second.receiptHandle);
  t.is(b.api.queryOffset('G', 'T', 0), 1);
});

test('concurrent receives of one group never share a message (immediate and long-polling)', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 4, writeQueueNums: 4 });
  for (let i = 0; i < 60; i++) await b.produce('T', `m${i}`);
  const seen: PoppedMessage[] = [];
  while (seen.length < 60) {
    const batches = await Promise.all(Array.from({ length: 6 }, () => b.pop.receive({ ...receive, max: 7, invisibleMs: 60_000 })));
    const got = batches.flat();
    t.true(got.length > 0, 'progress');
    seen.push(...got);
  }
  t.is(new Set(seen.map((m) => m.message.msgId)).size, 60, 'no message twice');

  const polls = Array.from({ length: 4 }, () => b.pop.receive({ ...receive, max: 1, invisibleMs: 60_000, waitMs: 20_000 }));
  await waitFor(() => b.pop.waitingReceives() === 4, { message: 'four parked receives' });
  for (let q = 0; q < 4; q++) await b.produce('T', `late${q}`, { queueId: q });
  const late = (await Promise.all(polls)).flat();
  t.deepEqual(bodies(late), ['late0', 'late1', 'late2', 'late3'], 'each parked receive got a different message');
});

test('a receipt handle alone acks from anywhere (no session): another caller, another identity', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.produce('T', 'x');
  const [m] = await b.pop.receive(receive, { kind: 'anonymous', remoteAddress: '10.0.0.1' });
  const wire = JSON.parse(JSON.stringify({ handle: m?.receiptHandle })) as { handle: string };
  await b.pop.ack('G', wire.handle, { kind: 'anonymous', remoteAddress: '10.0.0.2' });
  t.is(b.api.queryOffset('G', 'T', 0), 1);
  await t.throwsAsync(b.pop.ack('OtherGroup', wire.handle), { code: 'RECEIPT_HANDLE_INVALID' } as never);
});

test('extend pushes the invisible time (old handle of the same attempt still acks); extend 0 makes it visible at once and wakes a long poll', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.produce('T', 'kept');
  await b.produce('T', 'released');
  const [kept, released] = await b.pop.receive(receive);
  if (!kept || !released) return t.fail('two messages expected');
  const longer = await b.pop.extend('G', kept.receiptHandle, 60_000);
  t.true(longer.invisibleUntil > kept.invisibleUntil);
  t.not(longer.receiptHandle, kept.receiptHandle);
  await b.pop.extend('G', released.receiptHandle, 60_000);

  const poll = b.pop.receive({ ...receive, waitMs: 20_000 });
  await waitFor(() => b.pop.waitingReceives() === 1, { message: 'a parked receive' });
  const now = await b.pop.extend('G', released.receiptHandle, 0);
  t.true(now.invisibleUntil <= Date.now());
  const woken = await poll;
  t.deepEqual(bodies(woken), ['released'], 'only the released one: the extended one stays invisible');
  t.like(woken[0], { deliveryAttempt: 2 });

  await b.pop.ack('G', kept.receiptHandle); // the pre-extend handle of the same attempt
  await b.pop.ack('G', woken[0]!.receiptHandle);
  t.is(b.api.queryOffset('G', 'T', 0), 2);
});

test('tag filter: non-matching messages are acked silently and never delivered', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  for (const tags of ['A', 'B', 'A', 'C', 'B']) await b.produce('T', tags, { tags });
  const got = await b.pop.receive({ ...receive, filter: parseTagExpression('A || C') });
  t.deepEqual(bodies(got), ['A', 'A', 'C']);
  for (const m of got) await b.pop.ack('G', m.receiptHandle);
  t.is(b.api.queryOffset('G', 'T', 0), 5, 'the B messages count as consumed');
  t.deepEqual(await b.pop.receive(receive), []);
});

test('the committed offset advances only past contiguous acks', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  for (let i = 0; i < 5; i++) await b.produce('T', `m${i}`);
  const got = await b.pop.receive({ ...receive, invisibleMs: 60_000 });
  const byOffset = new Map(got.map((m) => [m.message.queueOffset, m.receiptHandle]));
  const ack = (offset: number): Promise<void> => b.pop.ack('G', byOffset.get(offset)!);
  const committed = (): number => b.api.queryOffset('G', 'T', 0) ?? 0;
  await ack(1);
  await ack(2);
  t.is(committed(), 0, 'offset 0 still in flight');
  await ack(0);
  t.is(committed(), 3);
  await ack(4);
  t.is(committed(), 3, 'offset 3 still in flight');
  await ack(3);
  t.is(committed(), 5);
});

test('a queue at maxInflightPerQueue is skipped; every queue at the limit → POP_INFLIGHT_LIMIT until something is acked', async (t) => {
  const b = await popBroker(t, { pop: { maxInflightPerQueue: 2 } });
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  for (let i = 0; i < 3; i++) await b.produce('T', `m${i}`);
  const first = await b.pop.receive({ ...receive, invisibleMs: 60_000 });
  t.deepEqual(bodies(first), ['m0', 'm1']);
  const error = await t.throwsAsync(b.pop.receive({ ...receive, waitMs: 5000 }));
  t.true(isCometError(error, 'POP_INFLIGHT_LIMIT') && error.httpStatus === 429);
  await b.pop.ack('G', first[0]!.receiptHandle);
  t.deepEqual(bodies(await b.pop.receive(receive)), ['m2']);
});

test('after maxDeliveryAttempts deliveries an unacked message goes to %DLQ%<group> instead of a further delivery', async (t) => {
  const b = await popBroker(t, { pop: { maxDeliveryAttempts: 2 } });
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await b.produce('T', 'poison');
  const attempts: number[] = [];
  await waitFor(
    async () => {
      for (const m of await b.pop.receive({ ...receive, invisibleMs: 30, waitMs: 200 })) attempts.push(m.deliveryAttempt);
      return b.api.topics.get('%DLQ%G') !== undefined && b.api.maxOffset('%DLQ%G', 0) === 1;
    },
    { timeoutMs: 10_000, message: 'moved to the DLQ' },
  );
  t.deepEqual(attempts, [1, 2]);
  const dlq = await b.api.read({ topic: '%DLQ%G', queueId: 0, offset: 0, max: 10 });
  t.like(dlq.status === 'found' ? dlq.messages[0] : undefined, { properties: { RETRY_TOPIC: 'T' } });
  t.is(b.api.queryOffset('G', 'T', 0), 1, 'moved to the DLQ counts as consumed');
});
