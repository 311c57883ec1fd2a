import test from 'ava';
import WebSocket from 'ws';
import { call, httpBroker } from '../../test/e2e/http-helpers.js';
import { CometClient, CometError, type Subscription, type WebMessage, type WebSocketConstructor } from '../index.js';

/**
 * sdk-web in Node 20 (global fetch, `ws` passed as the WebSocket) against the real HTTP and
 * WebSocket doors: reconnect after a dropped connection and no reconnect after a protocol close.
 */

const LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop', 'http'];
const WAIT_MS = 10_000;

/** `ws` with every socket the SDK opens kept, so the test can cut one. */
function trackedWebSocket(): { readonly ctor: WebSocketConstructor; readonly sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { ctor: Tracked, sockets };
}

/** The next message, bounded in time. */
async function next(sub: Subscription): Promise<WebMessage> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no message within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    const r = await Promise.race([sub[Symbol.asyncIterator]().next(), timeout]);
    if (r.done === true) throw new Error('subscription ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

test('a dropped connection: the SDK reconnects, unacked messages come again, an ack made while down still settles', async (t) => {
  const broker = await httpBroker(t, { load: LOAD });
  await broker.messaging.topics.upsert({ topicName: 'NodeDrop', readQueueNums: 1, writeQueueNums: 1 });
  const ws = trackedWebSocket();
  const errors: CometError[] = [];
  const client = new CometClient({ baseUrl: broker.base, WebSocket: ws.ctor, reconnect: { initialMs: 10, maxMs: 50 }, onError: (e) => errors.push(e) });
  t.teardown(() => client.close());
  const sub = client.subscribe({ topic: 'NodeDrop', group: 'node-drop', credits: 8 });
  await sub.ready;
  const produced = await client.produce('NodeDrop', ['a', 'b', 'c']);
  t.true(produced.every((r) => r.status === 'ok'));

  const a = await next(sub);
  const b = await next(sub);
  t.deepEqual([a.text(), b.text()], ['a', 'b']);
  ws.sockets[0]?.terminate(); // no close frame: the client sees 1006
  await new Promise<void>((resolve) => ws.sockets[0]?.once('close', () => resolve()));
  a.ack(); // while disconnected: held, sent on the next connection before credits are granted

  const again = [await next(sub), await next(sub)];
  t.true(ws.sockets.length >= 2, 'a new connection');
  t.deepEqual(again.map((m) => m.text()).sort(), ['b', 'c']);
  t.is(again.find((m) => m.text() === 'b')?.deliveryAttempt, 2, 'b was delivered before the drop and not acked');
  for (const m of again) m.ack();
  t.deepEqual(errors, []);

  // a (acked across the drop), b and c are all settled: after unsubscribing, the group has nothing left
  sub.close();
  const left = await call<{ messages: { body: string }[] }>(broker.base, 'POST', '/v1/groups/node-drop/topics/NodeDrop/receive', { max: 8, waitMs: 200 });
  t.deepEqual(left.body.messages.map((m) => m.body), []);
});

test('a protocol error close (4000) ends subscriptions with SDK_CONNECTION_CLOSED and does not reconnect', async (t) => {
  const broker = await httpBroker(t, { load: LOAD });
  const ws = trackedWebSocket();
  const client = new CometClient({ baseUrl: broker.base, WebSocket: ws.ctor, reconnect: { initialMs: 1, maxMs: 2 } });
  t.teardown(() => client.close());
  const sub = client.subscribe({ topic: 'NodeProtocol', group: 'node-protocol' });
  await sub.ready;
  ws.sockets[0]?.send(Buffer.from([1, 2, 3])); // a binary frame: the door closes with 4000
  const error = await sub.closed;
  t.true(error instanceof CometError);
  t.like(error, { code: 'SDK_CONNECTION_CLOSED', closeCode: 4000 });
  await t.throwsAsync(sub[Symbol.asyncIterator]().next(), { instanceOf: CometError });
  t.is(ws.sockets.length, 1, 'no reconnect');
  // a new call may connect again
  const produced = await client.produce('NodeProtocol', 'after', { transport: 'ws' });
  t.is(produced[0]?.status, 'ok');
  t.is(ws.sockets.length, 2);
});
