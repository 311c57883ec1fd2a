import test from 'ava';
import { waitFor } from '../test/helpers/wait.js';
import { CometClient, CometError, type Subscription, type WebMessage } from './index.js';
import { fakeWebSocket, messageFrame, type FakeSocket } from './test/fake-websocket.js';

/** A client over fake sockets with 1–4 ms reconnect delays. */
function setup(onError?: (e: CometError) => void) {
  const fake = fakeWebSocket();
  const errors: CometError[] = [];
  const client = new CometClient({
    baseUrl: 'http://broker.test:8080',
    WebSocket: fake.WebSocket,
    reconnect: { initialMs: 1, maxMs: 4 },
    onError: onError ?? ((e) => errors.push(e)),
  });
  return { client, sockets: fake.sockets, errors };
}

/** Open socket `s` and confirm its newest subscribe request as `serverId`. */
function confirm(s: FakeSocket, serverId: string): Record<string, unknown> {
  if (s.readyState !== 1) s.open();
  const req = s.frames('subscribe').at(-1);
  if (req === undefined) throw new Error('no subscribe frame');
  s.receive({ op: 'subscribed', id: req.id, subscription: serverId });
  return req;
}

async function take(sub: Subscription): Promise<WebMessage> {
  const r = await sub[Symbol.asyncIterator]().next();
  if (r.done === true) throw new Error('subscription ended');
  return r.value;
}

test('subscribe sends its frame once open; messages arrive in order; ack names the server subscription', async (t) => {
  const { client, sockets } = setup();
  const sub = client.subscribe({ topic: 'T', group: 'g', tags: 'a || b', credits: 5, ackTimeoutMs: 1000 });
  t.is(sockets.length, 1);
  t.is(sockets[0]?.url, 'ws://broker.test:8080/v1/ws');
  const s = sockets[0]!;
  const req = confirm(s, 's1');
  t.like(req, { op: 'subscribe', topic: 'T', group: 'g', tags: 'a || b', mode: 'clustering', credits: 5, ackTimeoutMs: 1000 });
  await sub.ready;
  t.is(sub.state, 'active');
  s.receive(messageFrame('s1', 0, 1, 'one'));
  s.receive(messageFrame('s1', 0, 2, 'two'));
  const a = await take(sub);
  const b = await take(sub);
  t.deepEqual([a.text(), b.text()], ['one', 'two']);
  b.ack();
  a.nack(2);
  t.deepEqual(s.frames('ack'), [{ op: 'ack', subscription: 's1', handle: 'h-0-2-1' }]);
  t.deepEqual(s.frames('nack'), [{ op: 'nack', subscription: 's1', handle: 'h-0-1-1', delayLevel: 2 }]);
  // a second subscription shares the socket
  const other = client.subscribe({ topic: 'U', group: 'g' });
  confirm(s, 's2');
  await other.ready;
  t.is(sockets.length, 1);
  t.is(s.frames('subscribe').length, 2);
  client.close();
  t.is(s.closedWith?.code, 1000);
});

test('after an abnormal close it reconnects, subscribes again, sends held acks before granting credits', async (t) => {
  const { client, sockets } = setup();
  const sub = client.subscribe({ topic: 'T', group: 'g', credits: 8 });
  const first = sockets[0]!;
  confirm(first, 's1');
  first.receive(messageFrame('s1', 0, 1, 'taken'));
  first.receive(messageFrame('s1', 0, 2, 'untaken'));
  const taken = await take(sub);
  t.is(sub.buffered, 1);
  first.serverClose(1001, 'server shutting down');
  t.is(sub.buffered, 0, 'untaken messages are dropped: the broker redelivers them');
  t.is(sub.state, 'subscribing');
  taken.ack(); // while disconnected: held
  await waitFor(() => sockets.length === 2, { message: 'reconnect' });
  const second = sockets[1]!;
  second.open();
  const req = second.frames('subscribe')[0];
  t.like(req, { topic: 'T', group: 'g', credits: 0 }, 'held acks: subscribe without credits first');
  second.receive({ op: 'subscribed', id: req?.id, subscription: 's9' });
  t.deepEqual(
    second.sent.slice(1).map((f) => f.op),
    ['ack', 'credit'],
  );
  t.deepEqual(second.frames('ack')[0], { op: 'ack', subscription: 's9', handle: 'h-0-1-1' });
  t.deepEqual(second.frames('credit')[0], { op: 'credit', subscription: 's9', credits: 8 });
  second.receive(messageFrame('s9', 0, 2, 'untaken', { deliveryAttempt: 2 }));
  const again = await take(sub);
  t.is(again.text(), 'untaken');
  t.is(again.deliveryAttempt, 2);
  again.ack();
  t.is(second.frames('ack').length, 2);
  t.is(first.frames('ack').length, 0);
  client.close();
});

test('a broker that stays down is retried with backoff until it answers', async (t) => {
  const { client, sockets } = setup();
  const sub = client.subscribe({ topic: 'T', group: 'g' });
  for (let i = 0; i < 4; i++) {
    await waitFor(() => sockets.length === i + 1, { message: `attempt ${i + 1}` });
    sockets[i]!.serverClose(1006); // refused before opening
  }
  await waitFor(() => sockets.length === 5);
  confirm(sockets[4]!, 's1');
  await sub.ready;
  t.is(sub.state, 'active');
  client.close();
});

for (const code of [1008, 4000]) {
  test(`close code ${code}: no reconnect, the loop fails with SDK_CONNECTION_CLOSED`, async (t) => {
    const { client, sockets } = setup();
    const sub = client.subscribe({ topic: 'T', group: 'g' });
    confirm(sockets[0]!, 's1');
    const loop = (async () => {
      for await (const m of sub) m.ack();
    })();
    sockets[0]!.serverClose(code, 'go away');
    const error = await t.throwsAsync(loop, { instanceOf: CometError });
    t.like(error, { code: 'SDK_CONNECTION_CLOSED', closeCode: code });
    t.is(sub.state, 'failed');
    t.is(await sub.closed, error);
    // the channel went idle rather than scheduling a reconnect: only a new call connects, at once
    t.is(sockets.length, 1);
    client.subscribe({ topic: 'T', group: 'g' });
    t.is(sockets.length, 2);
    client.close();
  });
}

test('close() ends loops, closes with 1000 and never reconnects; break unsubscribes', async (t) => {
  const { client, sockets } = setup();
  const a = client.subscribe({ topic: 'T', group: 'g' });
  confirm(sockets[0]!, 's1');
  sockets[0]!.receive(messageFrame('s1', 0, 1, 'x'));
  for await (const m of a) {
    m.ack();
    break;
  }
  t.deepEqual(sockets[0]!.frames('unsubscribe'), [{ op: 'unsubscribe', subscription: 's1' }]);
  t.is(a.state, 'closed');
  const b = client.subscribe({ topic: 'T', group: 'g' });
  confirm(sockets[0]!, 's2');
  const loop = (async () => {
    const got: string[] = [];
    for await (const m of b) got.push(m.text());
    return got;
  })();
  client.close();
  t.deepEqual(await loop, []);
  t.is(await b.closed, undefined);
  t.is(sockets[0]!.closedWith?.code, 1000);
  t.is(sockets.length, 1);
  t.throws(() => client.subscribe({ topic: 'T', group: 'g' }), { instanceOf: CometError });
});

test('a refused subscribe rejects ready and the loop; unsubscribed ends a subscription', async (t) => {
  const { client, sockets } = setup();
  const refused = client.subscribe({ topic: 'T', group: 'g' });
  const s = sockets[0]!;
  s.open();
  s.receive({ op: 'error', id: s.frames('subscribe')[0]?.id, error: { code: 'TOPIC_NOT_FOUND', message: 'no topic' } });
  t.like(await t.throwsAsync(refused.ready), { code: 'TOPIC_NOT_FOUND', message: 'no topic' });
  t.like(await t.throwsAsync(refused[Symbol.asyncIterator]().next()), { code: 'TOPIC_NOT_FOUND' });
  const ended = client.subscribe({ topic: 'T', group: 'g' });
  confirm(s, 's2');
  s.receive({ op: 'unsubscribed', subscription: 's2', error: { code: 'TOPIC_NOT_FOUND', message: 'deleted' } });
  t.like(await ended.closed, { code: 'TOPIC_NOT_FOUND', message: 'deleted' });
  t.is(s.frames('unsubscribe').length, 0, 'the broker already ended it');
  client.close();
});

test('ack errors and malformed frames go to onError; the subscription keeps going', async (t) => {
  const { client, sockets, errors } = setup();
  const sub = client.subscribe({ topic: 'T', group: 'g' });
  const s = sockets[0]!;
  confirm(s, 's1');
  s.receive({ op: 'error', subscription: 's1', error: { code: 'RECEIPT_HANDLE_EXPIRED', message: 'stale' } });
  s.receive('not json');
  s.receive({ op: 'message', subscription: 's1' });
  s.receive(messageFrame('s1', 0, 1, '%%%', { encoding: 'base64' }));
  s.receive(messageFrame('s1', 0, 2, 'fine'));
  t.is((await take(sub)).text(), 'fine');
  t.deepEqual(
    errors.map((e) => e.code),
    ['RECEIPT_HANDLE_EXPIRED', 'WS_PROTOCOL_ERROR', 'WS_PROTOCOL_ERROR', 'WS_PROTOCOL_ERROR'],
  );
  t.is(sub.state, 'active');
  client.close();
});

test('produce over the WebSocket: queued until open, answered by id; a drop in flight fails it', async (t) => {
  const { client, sockets } = setup();
  const first = client.produce('T', ['a', { json: { n: 1 }, tag: 'x' }], { transport: 'ws' });
  const s = sockets[0]!;
  t.is(s.sent.length, 0);
  s.open();
  const frame = s.frames('produce')[0];
  t.like(frame, { topic: 'T', messages: [{ body: 'a', encoding: 'utf8' }, { body: '{"n":1}', encoding: 'utf8', tag: 'x' }] });
  s.receive({ op: 'produced', id: frame?.id, results: [{ msgId: 'A', queueId: 0, queueOffset: 3 }, { error: { code: 'MESSAGE_INVALID', message: 'm' } }] });
  const results = await first;
  t.like(results[0], { status: 'ok', msgId: 'A', queueOffset: 3 });
  t.like(results[1], { status: 'rejected', error: { code: 'MESSAGE_INVALID' } });
  const refused = client.produce('T', 'x', { transport: 'ws' });
  s.receive({ op: 'produced', id: s.frames('produce')[1]?.id, results: [{ error: { code: 'TOPIC_NOT_FOUND', message: 'none' } }] });
  t.like(await t.throwsAsync(refused, { instanceOf: CometError }), { code: 'TOPIC_NOT_FOUND', status: 0 });
  const lost = client.produce('T', 'y', { transport: 'ws' });
  s.serverClose(1011, 'boom');
  t.like(await t.throwsAsync(lost, { instanceOf: CometError }), { code: 'SDK_NETWORK_ERROR' });
  await t.throwsAsync(client.produce('T', { body: 'z', deliverAt: 1 }, { transport: 'ws' }), { instanceOf: CometError, message: /HTTP-only/ });
  client.close();
});

test('broadcasting resumes after the last message the loop took', async (t) => {
  const { client, sockets } = setup();
  const sub = client.subscribe({ topic: 'T', mode: 'broadcasting', from: { '1': 0 } });
  const req = confirm(sockets[0]!, 'b1');
  t.like(req, { mode: 'broadcasting', from: { '1': 0 } });
  t.false('group' in req);
  sockets[0]!.receive(messageFrame('b1', 0, 5, 'x'));
  sockets[0]!.receive(messageFrame('b1', 0, 6, 'y'));
  sockets[0]!.receive(messageFrame('b1', 2, 9, 'z'));
  const x = await take(sub);
  await take(sub);
  sockets[0]!.serverClose(1001);
  x.ack(); // broadcasting acks only return credits on their own connection: dropped
  await waitFor(() => sockets.length === 2);
  const again = confirm(sockets[1]!, 'b2');
  t.deepEqual(again.from, { '0': 7, '1': 0 });
  t.is(again.credits, 32);
  t.is(sockets[1]!.frames('ack').length, 0);
  client.close();
});
