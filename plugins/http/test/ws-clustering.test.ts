import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { createWsExtension } from '../ws/index.js';
import { extHarness, WsClient, type ExtHarness, type Frame } from './ext-harness.js';

async function setup(t: Parameters<typeof extHarness>[0], queues = 2): Promise<ExtHarness> {
  const h = await extHarness(t, { factories: [createWsExtension], plugins: { messaging: { delayLevels: '100ms 200ms 1h' } } });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: queues, writeQueueNums: queues });
  return h;
}

async function produce(h: ExtHarness, bodies: readonly string[], topic = 'T'): Promise<void> {
  const results = await h.messaging.produceBatch(topic, bodies.map((b) => ({ topic, body: Buffer.from(b) })));
  for (const r of results) if (r.status !== 'ok') throw new Error(`produce failed: ${r.error.message}`);
}

const bodies = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('clustering: subscribe, receive, ack → the message is not delivered again', async (t) => {
  const h = await setup(t);
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const sub = await c.subscribe({ topic: 'T', group: 'G', credits: 10, ackTimeoutMs: 300 });
  await produce(h, ['acked']);
  const first = await c.next((f) => f.op === 'message');
  t.like(first, { subscription: sub, topic: 'T', body: 'acked', encoding: 'utf8', deliveryAttempt: 1, tag: null, keys: [] });
  t.is(typeof first.handle, 'string');
  c.send({ op: 'ack', subscription: sub, handle: first.handle });
  await waitFor(() => h.messaging.queryOffset('G', 'T', first.queueId as number) === (first.queueOffset as number) + 1, {
    message: 'the ack moved the group offset',
  });
  // A control message left unacked comes back after the same ack timeout; the acked one must not.
  await produce(h, ['control']);
  const again = await c.next((f) => f.op === 'message' && f.body === 'control' && f.deliveryAttempt === 2);
  t.is(again.subscription, sub);
  t.deepEqual(
    c.messages().map((m) => `${String(m.body)}#${String(m.deliveryAttempt)}`),
    ['acked#1', 'control#1', 'control#2'],
  );
});

test('clustering: credits bound the unacked messages under a fast producer; acks release the rest', async (t) => {
  const h = await setup(t, 4);
  const consumer = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const producer = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const sent = bodies('m', 200);
  const produced = Promise.all(
    Array.from({ length: 10 }, (_, i) => producer.request({ op: 'produce', id: `p${i}`, topic: 'T', messages: sent.slice(i * 20, i * 20 + 20).map((body) => ({ body })) })),
  );
  let outstanding = 0;
  let maxOutstanding = 0;
  const received: Frame[] = [];
  consumer.socket.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    if (f.op !== 'message') return;
    outstanding += 1;
    maxOutstanding = Math.max(maxOutstanding, outstanding);
    received.push(f);
  });
  const sub = await consumer.subscribe({ topic: 'T', group: 'G', credits: 5, ackTimeoutMs: 60_000 });
  await produced;
  await waitFor(() => received.length === 5);
  // A round trip on the same connection: the server had its chance to overshoot; it did not.
  await consumer.request({ op: 'produce', id: 'side', topic: 'Side', messages: [{ body: 'x' }] });
  t.is(received.length, 5);

  for (let acked = 0; acked < 200; acked++) {
    await waitFor(() => received.length > acked, { message: `message ${acked + 1} arrived` });
    consumer.send({ op: 'ack', subscription: sub, handle: received[acked]!.handle });
    outstanding -= 1;
  }
  t.true(maxOutstanding <= 5, `at most 5 unacked at once (saw ${maxOutstanding})`);
  t.deepEqual(received.map((m) => m.body).sort(), [...sent].sort());
});

test('clustering: after a disconnect the unacked messages go promptly to another connection; acked ones never come back', async (t) => {
  const h = await setup(t);
  const first = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const sub = await first.subscribe({ topic: 'T', group: 'G', credits: 10, ackTimeoutMs: 60_000 });
  await produce(h, ['a', 'b', 'c']);
  await waitFor(() => first.messages().length === 3);
  const acked = first.messages().find((m) => m.body === 'a')!;
  first.send({ op: 'ack', subscription: sub, handle: acked.handle });
  await waitFor(() => h.messaging.queryOffset('G', 'T', acked.queueId as number) !== undefined, { message: 'ack applied' });
  const second = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  await second.subscribe({ topic: 'T', group: 'G', credits: 10 });
  first.terminate();
  // The ack timeout is 60 s: only the release on disconnect can bring them back within 5 s.
  await waitFor(() => second.messages().length === 2, { timeoutMs: 5000 });
  t.deepEqual(second.messages().map((m) => m.body).sort(), ['b', 'c']);
  t.true(second.messages().every((m) => m.deliveryAttempt === 2));
  const firstIds = first.messages().filter((m) => m.body !== 'a').map((m) => m.msgId);
  t.deepEqual(second.messages().map((m) => m.msgId).sort(), firstIds.sort());
  await produce(h, ['d']);
  const d = await second.next((f) => f.op === 'message' && f.body === 'd');
  t.is(d.deliveryAttempt, 1);
  t.is(second.messages().length, 3, 'the acked message did not come back');
});

test('clustering: an unacked message returns its credit and is redelivered after ackTimeoutMs; its old handle is stale', async (t) => {
  const h = await setup(t, 1);
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const sub = await c.subscribe({ topic: 'T', group: 'G', credits: 1, ackTimeoutMs: 200 });
  await produce(h, ['slow', 'next']);
  const first = await c.next((f) => f.op === 'message');
  t.like(first, { body: 'slow', deliveryAttempt: 1 });
  // One credit, never acked: only its expiry can free the credit for the redelivery.
  const again = await c.next((f) => f.op === 'message');
  t.like(again, { body: 'slow', deliveryAttempt: 2 });
  c.send({ op: 'ack', id: 'late', subscription: sub, handle: first.handle });
  t.like(await c.next((f) => f.id === 'late'), { op: 'error', subscription: sub, error: { code: 'RECEIPT_HANDLE_EXPIRED' } });
  c.send({ op: 'ack', subscription: sub, handle: again.handle });
  t.like(await c.next((f) => f.op === 'message'), { body: 'next', deliveryAttempt: 1 });
});

test('clustering: two connections of one group split the messages, each delivered once', async (t) => {
  const h = await setup(t, 4);
  const a = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const b = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const subA = await a.subscribe({ topic: 'T', group: 'G', credits: 5, ackTimeoutMs: 60_000 });
  const subB = await b.subscribe({ topic: 'T', group: 'G', credits: 5, ackTimeoutMs: 60_000 });
  await produce(h, bodies('x', 10));
  // Neither acks yet: 5 credits each force a split of the first 10.
  await waitFor(() => a.messages().length === 5 && b.messages().length === 5);
  const ackAll = (c: WsClient, sub: string): void => {
    c.socket.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame;
      if (f.op === 'message') c.send({ op: 'ack', subscription: sub, handle: f.handle });
    });
    for (const m of c.messages()) c.send({ op: 'ack', subscription: sub, handle: m.handle });
  };
  ackAll(a, subA);
  ackAll(b, subB);
  await produce(h, bodies('y', 30));
  await waitFor(() => a.messages().length + b.messages().length === 40);
  const all = [...a.messages(), ...b.messages()].map((m) => String(m.body)).sort();
  t.deepEqual(all, [...bodies('x', 10), ...bodies('y', 30)].sort(), 'every message once');
  t.true([...a.messages(), ...b.messages()].every((m) => m.deliveryAttempt === 1));
});

test('clustering: nack sends the message through the retry topic; it comes back with the same msgId', async (t) => {
  const h = await setup(t);
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const sub = await c.subscribe({ topic: 'T', group: 'G', credits: 10 });
  await produce(h, ['retry-me']);
  const first = await c.next((f) => f.op === 'message');
  c.send({ op: 'nack', subscription: sub, handle: first.handle, delayLevel: 1 });
  const back = await c.next((f) => f.op === 'message' && f.handle !== first.handle);
  t.like(back, { subscription: sub, topic: 'T', body: 'retry-me', msgId: first.msgId });
  t.is((back.properties as Record<string, string>).RETRY_TOPIC, 'T');
  t.true(h.messaging.maxOffset('%RETRY%G', 0) >= 1, 'stored in %RETRY%G');
  c.send({ op: 'ack', subscription: sub, handle: back.handle });
  t.false(c.frames.some((f) => f.op === 'error'), JSON.stringify(c.frames.filter((f) => f.op === 'error')));
});
