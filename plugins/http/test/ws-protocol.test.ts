import test from 'ava';
import { WebSocket } from 'ws';
import { once } from '../../../test/helpers/wait.js';
import { createWsExtension } from '../ws/index.js';
import { extHarness, WsClient } from './ext-harness.js';

test('protocol errors: an error frame when the request had an id, close 4000 otherwise', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension] });
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  t.like(await c.request({ op: 'fly', id: 'u1' }), { op: 'error', id: 'u1', error: { code: 'WS_PROTOCOL_ERROR' } });
  t.like(await c.request({ op: 'subscribe', id: 'u2', group: 'G', credits: 1 }), { op: 'error', id: 'u2', error: { code: 'WS_PROTOCOL_ERROR' } });
  t.like(await c.request({ op: 'subscribe', id: 'u3', topic: 'T', credits: 1 }), { op: 'error', id: 'u3', error: { code: 'WS_PROTOCOL_ERROR' } }, 'clustering needs a group');
  t.like(await c.request({ op: 'subscribe', id: 'u4', topic: 'bad topic', group: 'G', credits: 1 }), { op: 'error', id: 'u4', error: { code: 'TOPIC_NAME_INVALID' } });
  t.like(await c.request({ op: 'credit', id: 'u5', subscription: 's9', credits: 1 }), { op: 'error', id: 'u5', subscription: 's9', error: { code: 'WS_SUBSCRIPTION_UNKNOWN' } });
  c.send({ op: 'ack', subscription: 's9', handle: 'h' });
  t.like(await c.next((f) => f.op === 'error' && f.id === undefined), { subscription: 's9', error: { code: 'WS_SUBSCRIPTION_UNKNOWN' } });
  c.send({ op: 'unsubscribe', subscription: 's9' });
  // Still usable after all of these (unsubscribe of an unknown subscription is silent).
  t.like(await c.request({ op: 'produce', id: 'ok', topic: 'T', messages: [{ body: 'x' }] }), { op: 'produced', id: 'ok' });
  t.is(c.frames.filter((f) => f.op === 'error').length, 6, 'no error for the unsubscribe');

  for (const bad of ['not json', '[1,2]', JSON.stringify({ op: 'fly' }), JSON.stringify({ op: 'ack', subscription: 's1' })]) {
    const other = await WsClient.open(t, `${h.wsBase}/v1/ws`);
    other.socket.send(bad);
    t.is(await other.closed(), 4000, bad);
  }
  const binary = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  binary.socket.send(Buffer.from([1, 2, 3]));
  t.is(await binary.closed(), 4000, 'binary frame');
});

test('a frame above maxPayloadBytes closes with 1009', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension], http: { ws: { maxPayloadBytes: 1024 } } });
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  c.send({ op: 'produce', id: 'big', topic: 'T', messages: [{ body: 'x'.repeat(2000) }] });
  t.is(await c.closed(), 1009);
});

test('pings: a client that answers stays; one that does not is terminated', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension], http: { ws: { pingIntervalMs: 50 } } });
  const alive = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  let pings = 0;
  alive.socket.on('ping', () => (pings += 1));
  const mute = new WebSocket(`${h.wsBase}/v1/ws`, { autoPong: false });
  t.teardown(() => mute.terminate());
  await once(mute, 'open');
  const [code] = await once(mute, 'close', { timeoutMs: 5000 });
  t.is(code, 1006, 'terminated without a close frame');
  await once(alive.socket, 'ping', { filter: () => pings >= 4 });
  t.is(alive.socket.readyState, WebSocket.OPEN);
});

test('shutdown: open connections close with 1001 and release their handles; new upgrades get 503', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension] });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  await c.subscribe({ topic: 'T', group: 'G', credits: 5, ackTimeoutMs: 600_000 });
  await h.messaging.produce({ topic: 'T', body: Buffer.from('held') });
  await c.next((f) => f.op === 'message');
  const closed = c.closed();
  const ws = h.extensions[0]!;
  ws.stopAccepting?.();
  const refused = new WebSocket(`${h.wsBase}/v1/ws`);
  refused.on('error', () => undefined);
  const [request, response] = (await once(refused, 'unexpected-response')) as [{ destroy(): void }, { statusCode: number }];
  t.is(response.statusCode, 503);
  request.destroy();
  await ws.drain?.(h.clock.monotonic() + 2000);
  t.is(await closed, 1001);
  const popped = await h.pop.receive({ group: 'G', topic: 'T', max: 1, invisibleMs: 1000, waitMs: 0 });
  t.like(popped[0], { deliveryAttempt: 2 }, 'visible again at once, not after the 10-minute ack timeout');
});
