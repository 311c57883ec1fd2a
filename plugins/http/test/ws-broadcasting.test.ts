import net from 'node:net';
import test from 'ava';
import { WebSocket } from 'ws';
import { once, waitFor } from '../../../test/helpers/wait.js';
import { createWsExtension } from '../ws/index.js';
import { extHarness, WsClient, type ExtHarness } from './ext-harness.js';

async function produce(h: ExtHarness, bodies: readonly string[]): Promise<void> {
  const results = await h.messaging.produceBatch('T', bodies.map((b) => ({ topic: 'T', body: Buffer.from(b) })));
  for (const r of results) if (r.status !== 'ok') throw new Error(`produce failed: ${r.error.message}`);
}

const bodies = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('broadcasting: every subscription gets every new message; earlier messages are not replayed', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension] });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 3, writeQueueNums: 3 });
  await produce(h, ['old']);
  const a = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const b = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const subA = await a.subscribe({ topic: 'T', mode: 'broadcasting', credits: 100 });
  await b.subscribe({ topic: 'T', mode: 'broadcasting', credits: 100, group: 'ignored' });
  await produce(h, bodies('n', 30));
  await waitFor(() => a.messages().length === 30 && b.messages().length === 30);
  for (const c of [a, b]) {
    t.deepEqual(c.messages().map((m) => String(m.body)).sort(), bodies('n', 30).sort());
    t.true(c.messages().every((m) => m.deliveryAttempt === 1 && m.topic === 'T'));
  }
  // ack returns credits only: a malformed handle is an error frame, an unknown well-formed one is ignored.
  a.send({ op: 'ack', subscription: subA, handle: a.messages()[0]!.handle });
  a.send({ op: 'ack', subscription: subA, handle: '0:999999' });
  const bad = await a.request({ op: 'ack', id: 'bad', subscription: subA, handle: 'nope' });
  t.like(bad, { op: 'error', id: 'bad', subscription: subA, error: { code: 'RECEIPT_HANDLE_INVALID' } });
});

test('broadcasting: credits bound delivery; `from` replays given offsets', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension] });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  await produce(h, bodies('m', 10));
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const sub = await c.subscribe({ topic: 'T', mode: 'broadcasting', credits: 3, from: { '0': 4 } });
  await waitFor(() => c.messages().length === 3);
  await c.request({ op: 'produce', id: 'barrier', topic: 'Other', messages: [{ body: 'x' }] });
  t.is(c.messages().length, 3, 'no fourth message without a credit');
  c.send({ op: 'credit', subscription: sub, credits: 100 });
  await waitFor(() => c.messages().length === 6);
  t.deepEqual(
    c.messages().map((m) => m.body),
    bodies('m', 10).slice(4),
  );
  const earliest = await c.subscribe({ topic: 'T', mode: 'broadcasting', credits: 100, from: 'earliest' });
  await waitFor(() => c.messages(earliest).length === 10);
});

test('a client that does not read is closed with 4008 (slow client) and its handles are released', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension], http: { ws: { maxBufferedBytes: 256 * 1024 } } });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  let raw: net.Socket | undefined;
  const socket = new WebSocket(`${h.wsBase}/v1/ws`, {
    createConnection: ((options: net.NetConnectOpts) => {
      raw = net.createConnection(options);
      return raw;
    }) as typeof net.createConnection,
  });
  t.teardown(() => socket.terminate());
  await once(socket, 'open');
  const subscribed = once(socket, 'message');
  socket.send(JSON.stringify({ op: 'subscribe', id: 's', topic: 'T', group: 'G', credits: 1000, ackTimeoutMs: 600_000 }));
  await subscribed;
  raw!.pause();
  // 16 MiB: more than the kernel's socket buffers absorb, so the server's own buffer passes 256 KiB.
  const big = 'x'.repeat(32 * 1024);
  for (let i = 0; i < 10; i++) await produce(h, Array.from({ length: 50 }, (_, j) => `${i}-${j}-${big}`));
  await waitFor(() => h.logs.withCode('WS_SLOW_CLIENT').length > 0, { timeoutMs: 10_000, message: 'the server noticed the slow client' });
  // Released at once: another consumer of the group gets them again although the ack timeout is 10 minutes.
  const other = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  await other.subscribe({ topic: 'T', group: 'G', credits: 5 });
  await waitFor(() => other.messages().length === 5);
  t.deepEqual(other.messages().map((m) => m.deliveryAttempt), [2, 2, 2, 2, 2]);
  const closed = once(socket, 'close', { timeoutMs: 10_000 });
  raw!.resume();
  const [code] = await closed;
  t.is(code, 4008);
  t.is(h.logs.withCode('WS_SLOW_CLIENT').length, 1, 'only the client that did not read');
});
