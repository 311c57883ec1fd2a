import test from 'ava';
import { POP } from '../../kernel/tokens.js';
import { PopServiceImpl } from '../../plugins/pop/index.js';
import { waitFor } from '../helpers/wait.js';
import { call, httpBroker, rawRequest } from './http-helpers.js';

interface ReceivedMessage {
  receiptHandle: string;
  msgId: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  body: string;
  encoding: string;
  tag: string | null;
  keys: string[];
  properties: Record<string, string>;
  deliveryAttempt: number;
  invisibleUntil: number;
}
interface Received {
  messages: ReceivedMessage[];
}
interface Results {
  results: Record<string, unknown>[];
  error?: { code: string; message: string };
}

const receive = (base: string, group: string, topic: string, body: Record<string, unknown>) => call<Received>(base, 'POST', `/v1/groups/${group}/topics/${topic}/receive`, body);

test('curl-style JSON produce → receive → ack round trip', async (t) => {
  const { base } = await httpBroker(t);
  const produced = await call<Results>(base, 'POST', '/v1/topics/Orders/messages', {
    messages: [{ body: 'hello', tag: 'TagA', keys: ['k1', 'k2'], properties: { a: '1' } }, { body: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), encoding: 'base64' }],
  });
  t.is(produced.status, 200);
  t.is(produced.body.results.length, 2);
  for (const r of produced.body.results) t.true(typeof r['msgId'] === 'string' && typeof r['queueId'] === 'number' && typeof r['queueOffset'] === 'number');

  const got = await receive(base, 'G1', 'Orders', { max: 10, waitMs: 2000 });
  t.is(got.status, 200);
  t.is(got.body.messages.length, 2);
  const text = got.body.messages.find((m) => m.encoding === 'utf8')!;
  const bytes = got.body.messages.find((m) => m.encoding === 'base64')!;
  t.is(text.body, 'hello');
  t.is(text.tag, 'TagA');
  t.deepEqual(text.keys, ['k1', 'k2']);
  t.deepEqual(text.properties, { a: '1' });
  t.is(text.deliveryAttempt, 1);
  t.is(text.topic, 'Orders');
  t.true(produced.body.results.some((r) => r['msgId'] === text.msgId), 'the msgId is the one produce answered');
  t.deepEqual([...Buffer.from(bytes.body, 'base64')], [0xff, 0x00, 0xfe], 'bytes that are not UTF-8 come back base64');

  const acked = await call<Results>(base, 'POST', '/v1/groups/G1/ack', { receiptHandles: got.body.messages.map((m) => m.receiptHandle) });
  t.is(acked.status, 200);
  t.deepEqual(acked.body.results.map((r) => r['status']), ['acked', 'acked']);
  t.deepEqual((await receive(base, 'G1', 'Orders', {})).body.messages, [], 'nothing left after the acks');
});

test('raw produce (any content type) takes tag, keys and properties from the query or x-cometmq-* headers', async (t) => {
  const { base, port } = await httpBroker(t);
  const viaQuery = await rawRequest(port, { method: 'POST', path: '/v1/topics/Raw/messages?tag=T1&keys=a,b&property.Color=red', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (req) => req.end('plain=text&x=1'));
  t.is(viaQuery.status, 200, viaQuery.body);
  const bin = Buffer.from([0x00, 0x80, 0xff]);
  const viaHeaders = await rawRequest(
    port,
    { method: 'POST', path: '/v1/topics/Raw/messages', headers: { 'content-type': 'application/octet-stream', 'x-cometmq-tag': 'T2', 'x-cometmq-keys': 'c', 'x-cometmq-property-size': 'L' } },
    (req) => req.end(bin),
  );
  t.is(viaHeaders.status, 200, viaHeaders.body);
  const got = await receive(base, 'G', 'Raw', { max: 10, waitMs: 2000 });
  const q = got.body.messages.find((m) => m.tag === 'T1')!;
  const h = got.body.messages.find((m) => m.tag === 'T2')!;
  t.is(q.body, 'plain=text&x=1');
  t.deepEqual(q.keys, ['a', 'b']);
  t.deepEqual(q.properties, { Color: 'red' });
  t.is(h.encoding, 'base64');
  t.deepEqual(Buffer.from(h.body, 'base64'), bin);
  t.deepEqual(h.keys, ['c']);
  t.deepEqual(h.properties, { size: 'L' });
});

test('receive filters by tag expression and a long poll answers as soon as a message arrives', async (t) => {
  const { base } = await httpBroker(t);
  await call(base, 'POST', '/v1/topics/Tags/messages', { messages: [{ body: 'x', tag: 'A' }, { body: 'y', tag: 'B' }] });
  const onlyB = await receive(base, 'GT', 'Tags', { tags: 'B', max: 10, waitMs: 1000 });
  t.deepEqual(onlyB.body.messages.map((m) => m.body), ['y']);
  const waiting = receive(base, 'GT', 'Tags', { tags: 'C || D', waitMs: 20_000 });
  await call(base, 'POST', '/v1/topics/Tags/messages', { messages: [{ body: 'z', tag: 'D' }] });
  const woke = await waiting;
  t.deepEqual(woke.body.messages.map((m) => m.body), ['z']);
});

test('an unacked message is delivered again after its invisible time; the old handle is then expired', async (t) => {
  const { base } = await httpBroker(t);
  await call(base, 'POST', '/v1/topics/Redo/messages', { messages: [{ body: 'again' }] });
  const first = (await receive(base, 'GR', 'Redo', { waitMs: 2000, invisibleMs: 300 })).body.messages;
  t.is(first.length, 1);
  const second = (await receive(base, 'GR', 'Redo', { waitMs: 10_000, invisibleMs: 30_000 })).body.messages;
  t.is(second.length, 1);
  t.is(second[0]!.msgId, first[0]!.msgId);
  t.is(second[0]!.deliveryAttempt, 2);
  const stale = await call<Results>(base, 'POST', '/v1/groups/GR/ack', { receiptHandles: [first[0]!.receiptHandle] });
  t.is(stale.status, 409);
  t.is(stale.body.error?.code, 'RECEIPT_HANDLE_EXPIRED');
  t.is((stale.body.results[0]!['error'] as { code: string }).code, 'RECEIPT_HANDLE_EXPIRED');
  t.is((await call(base, 'POST', '/v1/groups/GR/ack', { receiptHandles: [second[0]!.receiptHandle] })).status, 200);
});

test('a receipt handle acks from a second connection; extend returns a new handle', async (t) => {
  const { base, port } = await httpBroker(t);
  await call(base, 'POST', '/v1/topics/Conn/messages', { messages: [{ body: 'one' }, { body: 'two' }] });
  const got = (await receive(base, 'GC', 'Conn', { max: 2, waitMs: 2000 })).body.messages;
  t.is(got.length, 2);
  const extended = await call<{ receiptHandle: string; invisibleUntil: number }>(base, 'POST', '/v1/groups/GC/extend', { receiptHandle: got[1]!.receiptHandle, invisibleMs: 60_000 });
  t.is(extended.status, 200);
  t.true(extended.body.invisibleUntil > got[1]!.invisibleUntil);
  // agent: false → a fresh TCP connection, not the one the receive used.
  const ack = await rawRequest(port, { method: 'POST', path: '/v1/groups/GC/ack', headers: { 'content-type': 'application/json', connection: 'close' } }, (req) =>
    req.end(JSON.stringify({ receiptHandles: [got[0]!.receiptHandle, extended.body.receiptHandle] })),
  );
  t.is(ack.status, 200, ack.body);
  const bad = await call<Results>(base, 'POST', '/v1/groups/GC/ack', { receiptHandles: ['not-a-handle'] });
  t.is(bad.status, 400);
  t.is(bad.body.error?.code, 'RECEIPT_HANDLE_INVALID');
});

test('nack sends a message to the retry topic, and after retryMaxTimes to the DLQ', async (t) => {
  const levels = Array.from({ length: 18 }, () => '20ms').join(' ');
  const { base } = await httpBroker(t, { messaging: { delayLevels: levels } });
  const produced = await call<Results>(base, 'POST', '/v1/topics/Fail/messages', { messages: [{ body: 'poison', keys: 'p1' }] });
  const msgId = String(produced.body.results[0]!['msgId']);
  let last: Record<string, unknown> | undefined;
  let attempts = 0;
  for (let i = 0; i < 40 && last?.['status'] !== 'dlq'; i++) {
    const got = (await receive(base, 'GF', 'Fail', { waitMs: 5000 })).body.messages;
    t.is(got.length, 1, `delivery ${i + 1}`);
    t.is(got[0]!.msgId, msgId, 'the msgId stays the same across retries');
    t.is(got[0]!.topic, 'Fail');
    attempts++;
    const nacked = await call<Results>(base, 'POST', '/v1/groups/GF/nack', { receiptHandles: [got[0]!.receiptHandle] });
    t.is(nacked.status, 200);
    last = nacked.body.results[0];
    if (last?.['status'] !== 'dlq') t.is(last?.['topic'], '%RETRY%GF');
  }
  t.is(last?.['status'], 'dlq');
  t.is(last?.['topic'], '%DLQ%GF');
  t.is(attempts, 17, 'first delivery + 16 retries (retryMaxTimes), then the DLQ');
  const dlq = await call<{ messages: { body: string }[] }>(base, 'GET', `/v1/topics/${encodeURIComponent('%DLQ%GF')}/queues/0/messages?offset=0`);
  t.deepEqual(dlq.body.messages.map((m) => m.body), ['poison']);
  t.deepEqual((await receive(base, 'GF', 'Fail', { waitMs: 200 })).body.messages, []);
});

test('a long-polling receive ends when the client disconnects', async (t) => {
  const { base, kernel } = await httpBroker(t);
  await call(base, 'PUT', '/v1/topics/Quiet', { readQueueNums: 2, writeQueueNums: 2 });
  const pop = kernel.resolve(POP);
  if (!(pop instanceof PopServiceImpl)) return t.fail('expected the built-in pop service');
  const abort = new AbortController();
  const pending = fetch(`${base}/v1/groups/GQ/topics/Quiet/receive`, { method: 'POST', body: JSON.stringify({ waitMs: 30_000 }), signal: abort.signal }).catch((e: unknown) => e);
  await waitFor(() => pop.waitingReceives() === 1, { message: 'the receive parks' });
  abort.abort();
  await pending;
  await waitFor(() => pop.waitingReceives() === 0, { message: 'the parked receive ends with the connection' });
  t.pass();
});

test('stopping the kernel answers a parked receive at once and the door stops listening', async (t) => {
  const { base, kernel } = await httpBroker(t);
  await call(base, 'PUT', '/v1/topics/Stop', { readQueueNums: 1, writeQueueNums: 1 });
  const pending = receive(base, 'GS', 'Stop', { waitMs: 30_000 });
  const pop = kernel.resolve(POP);
  if (pop instanceof PopServiceImpl) await waitFor(() => pop.waitingReceives() === 1);
  const report = await kernel.stop('test');
  t.deepEqual(report.timedOut, []);
  const answer = await pending;
  t.is(answer.status, 200);
  t.deepEqual(answer.body.messages, []);
  await t.throwsAsync(fetch(`${base}/healthz`));
});

test('deliverAt maps to a delay level: never delivered before the time asked; too far is refused', async (t) => {
  const { base, port } = await httpBroker(t, { messaging: { delayLevels: '100ms 400ms 2s' } });
  await call(base, 'PUT', '/v1/topics/Later', { readQueueNums: 1, writeQueueNums: 1 });
  const t0 = Date.now();
  const produced = await call<Results>(base, 'POST', '/v1/topics/Later/messages', { messages: [{ body: 'later', deliverAt: t0 + 300 }, { body: 'never', deliverAt: t0 + 3_600_000 }] });
  t.is(produced.status, 207);
  t.is((produced.body.results[1]!['error'] as { code: string }).code, 'MESSAGE_INVALID');
  const viaHeader = await rawRequest(port, { method: 'POST', path: '/v1/topics/Later/messages', headers: { 'content-type': 'text/plain', 'x-cometmq-delay-level': '1' } }, (req) => req.end('soon'));
  t.is(viaHeader.status, 200, viaHeader.body);
  const seen: { body: string; storeTimestamp: number }[] = [];
  while (seen.length < 2) {
    const got = await call<{ messages: { body: string; storeTimestamp: number; receiptHandle: string }[] }>(base, 'POST', '/v1/groups/GL/topics/Later/receive', { waitMs: 5000 });
    t.true(got.body.messages.length > 0, 'the delayed messages arrive');
    seen.push(...got.body.messages);
  }
  const later = seen.find((m) => m.body === 'later');
  t.truthy(later);
  t.true(later!.storeTimestamp >= t0 + 300, 'stored to the topic no earlier than deliverAt (level 2 = 400 ms)');
  t.deepEqual(seen.map((m) => m.body).sort(), ['later', 'soon']);
});
