import test from 'ava';
import { systemClock } from '../../kernel/services.js';
import type { ReadRequest } from '../../kernel/messaging/store.js';
import { parseTagExpression } from '../../kernel/messaging/tags.js';
import { dec, enc, harness, rejectsWith } from './test/harness.js';
import type { Harness } from './test/harness.js';

async function withTopic(h: Harness, name = 'T', queues = 2): Promise<void> {
  await h.messaging.topics.create({ topicName: name, readQueueNums: queues, writeQueueNums: queues });
}


test('read delegates to the store, clamps max to 1..maxReadMessages and passes filter and maxBytes', async (t) => {
  const h = harness(t, { config: { maxReadMessages: 5 } });
  await withTopic(h);
  for (const tag of ['A', 'B', 'A']) await h.messaging.produce({ topic: 'T', body: enc(tag), tags: tag, queueId: 0 });
  const seen: ReadRequest[] = [];
  const read = h.store.read.bind(h.store);
  h.store.read = async (request) => {
    seen.push(request);
    return read(request);
  };
  const r = await h.messaging.read({ topic: 'T', queueId: 0, offset: 0, max: 5000, maxBytes: 4096, filter: parseTagExpression('A') });
  t.is(r.status, 'found');
  t.deepEqual(r.status === 'found' ? r.messages.map((m) => dec(m.body)) : [], ['A', 'A']);
  await h.messaging.read({ topic: 'T', queueId: 0, offset: 0, max: 0 });
  t.deepEqual(seen.map((s) => s.max), [5, 1]);
  t.is(seen[0]?.maxBytes, 4096);
  t.is(seen[1]?.maxBytes, undefined, 'store default when not given');
});

for (const decidingAuth of [false, true]) {
  test(`read errors: unknown topic, queue beyond readQueueNums, bad offset, unreadable topic, auth deny (${decidingAuth ? 'Auth.decided' : 'authorize()'})`, async (t) => {
    const h = harness(t, { decidingAuth });
    await withTopic(h);
    await h.messaging.topics.create({ topicName: 'WriteOnly', perm: 2 });
    h.auth.deny('consume', { kind: 'topic', name: 'Private' });
    await rejectsWith(t, h.messaging.read({ topic: 'Missing', queueId: 0, offset: 0, max: 1 }), 'TOPIC_NOT_FOUND');
    await rejectsWith(t, h.messaging.read({ topic: 'T', queueId: 2, offset: 0, max: 1 }), 'QUEUE_ID_INVALID');
    await rejectsWith(t, h.messaging.read({ topic: 'T', queueId: 0, offset: -1, max: 1 }), 'OFFSET_INVALID');
    await rejectsWith(t, h.messaging.read({ topic: 'WriteOnly', queueId: 0, offset: 0, max: 1 }), 'TOPIC_NOT_READABLE');
    await rejectsWith(t, h.messaging.read({ topic: 'Private', queueId: 0, offset: 0, max: 1 }), 'AUTH_FORBIDDEN');
    await rejectsWith(t, h.messaging.read({ topic: 'bad/name', queueId: 0, offset: 0, max: 1 }), 'TOPIC_NAME_INVALID');
    t.like(await h.messaging.read({ topic: 'T', queueId: 1, offset: 0, max: 1 }), { status: 'noQueue' });
    t.is(h.auth.decidedCount > 0, decidingAuth);
  });
}

test('waitForMessages answers arrived at once when the queue is already past the offset', async (t) => {
  const h = harness(t);
  await h.messaging.produce({ topic: 'T', body: enc('x'), queueId: 0 });
  t.is(await h.messaging.waitForMessages('T', 0, 0, 30_000), 'arrived');
  t.is(h.messaging.waiterCount(), 0);
  t.is(h.clock.pending(), 0);
});

test('a waiter is woken by a produce to its queue, not by other queues, and leaves nothing behind', async (t) => {
  const h = harness(t);
  await withTopic(h);
  const waiting = h.messaging.waitForMessages('T', 0, 0, 30_000);
  t.is(h.messaging.waiterCount(), 1);
  await h.messaging.produce({ topic: 'T', body: enc('other queue'), queueId: 1 });
  await h.messaging.produce({ topic: 'Elsewhere', body: enc('other topic'), queueId: 0 });
  t.is(h.messaging.waiterCount(), 1, 'still waiting');
  await h.messaging.produce({ topic: 'T', body: enc('mine'), queueId: 0 });
  t.is(await waiting, 'arrived');
  t.is(h.messaging.waiterCount(), 0);
  t.is(h.clock.pending(), 0, 'timeout timer cancelled');
});

test('a waiter at offset n wakes only once the queue holds a message at n', async (t) => {
  const h = harness(t);
  await h.messaging.produce({ topic: 'T', body: enc('first'), queueId: 0 });
  let outcome: string | undefined;
  const waiting = h.messaging.waitForMessages('T', 0, 1, 30_000).then((o) => (outcome = o));
  await h.messaging.produce({ topic: 'T', body: enc('first again'), queueId: 1 });
  t.is(outcome, undefined);
  await h.messaging.produce({ topic: 'T', body: enc('second'), queueId: 0 });
  await waiting;
  t.is(outcome, 'arrived');
});

test('waitForMessages times out on the kernel clock', async (t) => {
  const h = harness(t);
  const waiting = h.messaging.waitForMessages('T', 0, 0, 1000);
  h.clock.advance(999);
  t.is(h.messaging.waiterCount(), 1);
  h.clock.advance(1);
  t.is(await waiting, 'timeout');
  t.is(h.messaging.waiterCount(), 0);
  t.is(await h.messaging.waitForMessages('T', 0, 0, 0), 'timeout', 'zero timeout answers at once');
});

test('waitForMessages with the system clock and a small timeout resolves timeout', async (t) => {
  const h = harness(t, { clock: systemClock });
  t.is(await h.messaging.waitForMessages('T', 0, 0, 20), 'timeout');
  t.is(h.messaging.waiterCount(), 0);
});

test('an AbortSignal ends the wait with aborted and removes the waiter', async (t) => {
  const h = harness(t);
  const controller = new AbortController();
  const waiting = h.messaging.waitForMessages('T', 0, 0, 30_000, controller.signal);
  t.is(h.messaging.waiterCount(), 1);
  controller.abort();
  t.is(await waiting, 'aborted');
  t.is(h.messaging.waiterCount(), 0);
  t.is(h.clock.pending(), 0);
  t.is(await h.messaging.waitForMessages('T', 0, 0, 30_000, controller.signal), 'aborted', 'already aborted');
  await h.messaging.produce({ topic: 'T', body: enc('late'), queueId: 0 });
  t.is(h.messaging.waiterCount(), 0);
});

test('maxWaiters bounds the waiters: beyond it SERVICE_UNAVAILABLE, freed slots are reusable', async (t) => {
  const h = harness(t, { config: { maxWaiters: 2 } });
  const a = h.messaging.waitForMessages('T', 0, 0, 1000);
  const b = h.messaging.waitForMessages('T', 1, 0, 1000);
  await rejectsWith(t, h.messaging.waitForMessages('T', 2, 0, 1000), 'SERVICE_UNAVAILABLE');
  await h.messaging.produce({ topic: 'T', body: enc('x'), queueId: 0 });
  t.is(await a, 'arrived');
  const c = h.messaging.waitForMessages('T', 2, 0, 1000);
  h.clock.advance(1000);
  t.deepEqual(await Promise.all([b, c]), ['timeout', 'timeout']);
  t.is(h.messaging.waiterCount(), 0);
});

test('bad wait arguments are rejected', async (t) => {
  const h = harness(t);
  await rejectsWith(t, h.messaging.waitForMessages('a/b', 0, 0, 10), 'TOPIC_NAME_INVALID');
  await rejectsWith(t, h.messaging.waitForMessages('T', -1, 0, 10), 'QUEUE_ID_INVALID');
  await rejectsWith(t, h.messaging.waitForMessages('T', 0, 1.5, 10), 'OFFSET_INVALID');
  await rejectsWith(t, h.messaging.waitForMessages('T', 0, 0, -5), 'MESSAGE_INVALID');
});

test('close resolves every waiter aborted, detaches from the store and aborts later waits', async (t) => {
  const h = harness(t);
  const waits = [h.messaging.waitForMessages('T', 0, 0, 30_000), h.messaging.waitForMessages('T', 0, 0, 30_000), h.messaging.waitForMessages('U', 3, 7, 30_000)];
  t.is(h.store.listenerCount(), 1);
  h.messaging.close();
  t.deepEqual(await Promise.all(waits), ['aborted', 'aborted', 'aborted']);
  t.is(h.messaging.waiterCount(), 0);
  t.is(h.store.listenerCount(), 0);
  t.is(h.clock.pending(), 0);
  t.is(await h.messaging.waitForMessages('T', 0, 0, 30_000), 'aborted');
});

test('waitForTopic: one waiter for several queues; arrived on any listed queue, not on an unlisted one; timeout; abort; bad input', async (t) => {
  const h = harness(t);
  await withTopic(h, 'W', 3);
  const waiting = h.messaging.waitForTopic('W', [0, 0], 10_000);
  t.is(h.messaging.waiterCount(), 1, 'one waiter for the two queues');
  await h.messaging.produce({ topic: 'W', body: enc('q2'), queueId: 2 });
  t.is(h.messaging.waiterCount(), 1, 'queue 2 is not listed: still waiting');
  await h.messaging.produce({ topic: 'W', body: enc('q1'), queueId: 1 });
  t.is(await waiting, 'arrived');
  t.is(h.messaging.waiterCount(), 0);
  t.is(await h.messaging.waitForTopic('W', [0, 0], 1000), 'arrived', 'already past an offset: at once');
  const timing = h.messaging.waitForTopic('W', [1, 1, 1], 1000);
  h.clock.advance(1000);
  t.is(await timing, 'timeout');
  t.is(h.clock.pending(), 0, 'timer cancelled or fired');
  const ac = new AbortController();
  const aborted = h.messaging.waitForTopic('W', [1, 1, 1], 10_000, ac.signal);
  ac.abort('stop');
  t.is(await aborted, 'aborted');
  t.is(h.messaging.waiterCount(), 0);
  await rejectsWith(t, h.messaging.waitForTopic('W', [-1], 10), 'OFFSET_INVALID');
  await rejectsWith(t, h.messaging.waitForTopic('bad topic', [0], 10), 'TOPIC_NAME_INVALID');
  await rejectsWith(t, h.messaging.waitForTopic('W', [0], -1), 'MESSAGE_INVALID');
});

test('waitForTopic answers arrived when its topic changes (queues added: read again)', async (t) => {
  const h = harness(t);
  await withTopic(h, 'G', 2);
  const waiting = h.messaging.waitForTopic('G', [0, 0], 30_000);
  await h.messaging.topics.update({ topicName: 'G', readQueueNums: 4, writeQueueNums: 4 });
  t.is(await waiting, 'arrived');
  t.is(h.messaging.waiterCount(), 0);
});
