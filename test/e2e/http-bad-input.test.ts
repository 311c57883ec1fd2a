import test from 'ava';
import { call, connect, httpBroker, rawRequest } from './http-helpers.js';

interface ErrorAnswer {
  error: { code: string; message: string };
}
interface Results {
  results: ({ msgId: string; queueId: number; queueOffset: number } | ErrorAnswer)[];
  error?: { code: string; message: string };
}

test('invalid JSON and wrong field types answer 400 HTTP_BODY_INVALID naming the field', async (t) => {
  const { base } = await httpBroker(t);
  const bad = await call<ErrorAnswer>(base, 'POST', '/v1/topics/T/messages', '{"messages": [', { 'content-type': 'application/json' });
  t.is(bad.status, 400);
  t.is(bad.body.error.code, 'HTTP_BODY_INVALID');
  t.regex(bad.body.error.message, /not valid JSON/);

  const wrongType = await call<ErrorAnswer>(base, 'POST', '/v1/topics/T/messages', { messages: [{ body: 42 }] });
  t.is(wrongType.status, 400);
  t.regex(wrongType.body.error.message, /body\.messages\.0\.body/);

  const unknownField = await call<ErrorAnswer>(base, 'POST', '/v1/topics/T/messages', { messages: [{ body: 'x', tags: 'A' }] });
  t.is(unknownField.status, 400);
  t.regex(unknownField.body.error.message, /tags/);

  const badBase64 = await call<ErrorAnswer>(base, 'POST', '/v1/topics/T/messages', { messages: [{ body: 'not base64!', encoding: 'base64' }] });
  t.regex(badBase64.body.error.message, /body\.messages\.0\.body: not valid base64/);

  const receive = await call<ErrorAnswer>(base, 'POST', '/v1/groups/G/topics/T/receive', { max: 'ten', waitMs: -1 });
  t.is(receive.status, 400);
  t.regex(receive.body.error.message, /body\.max/);
  t.regex(receive.body.error.message, /body\.waitMs/);

  const query = await call<ErrorAnswer>(base, 'GET', '/v1/topics/T/queues/0/messages?offset=abc');
  t.is(query.status, 400);
  t.regex(query.body.error.message, /query\.offset/);

  const path = await call<ErrorAnswer>(base, 'GET', '/v1/topics/T/queues/x/messages');
  t.is(path.status, 400);
  t.regex(path.body.error.message, /path\.queueId/);
});

test('unknown routes answer 404 HTTP_ROUTE_NOT_FOUND and non-upgrade paths refuse upgrades', async (t) => {
  const { base, port } = await httpBroker(t);
  const missing = await call<ErrorAnswer>(base, 'GET', '/v1/nope');
  t.is(missing.status, 404);
  t.is(missing.body.error.code, 'HTTP_ROUTE_NOT_FOUND');
  const wrongMethod = await call<ErrorAnswer>(base, 'DELETE', '/v1/topics/T');
  t.is(wrongMethod.body.error.code, 'HTTP_ROUTE_NOT_FOUND');
  const upgrade = await rawRequest(port, { method: 'GET', path: '/v1/not-ws', headers: { connection: 'Upgrade', upgrade: 'websocket' } });
  t.is(upgrade.status, 404);
  t.is((JSON.parse(upgrade.body) as ErrorAnswer).error.code, 'HTTP_ROUTE_NOT_FOUND');
});

test('with auto-create off, an unknown topic is 404 TOPIC_NOT_FOUND and an invalid name 400', async (t) => {
  const { base } = await httpBroker(t, { messaging: { autoCreateTopics: false } });
  const produce = await call<Results>(base, 'POST', '/v1/topics/Nope/messages', { messages: [{ body: 'x' }, { body: 'y' }] });
  t.is(produce.status, 404);
  t.is(produce.body.error?.code, 'TOPIC_NOT_FOUND');
  t.is(produce.body.results.length, 2, 'the per-message results are there too');
  const raw = await call<Results>(base, 'POST', '/v1/topics/Nope/messages', 'raw', { 'content-type': 'text/plain' });
  t.is(raw.status, 404);
  const invalid = await call<Results>(base, 'POST', '/v1/topics/bad.name/messages', { messages: [{ body: 'x' }] });
  t.is(invalid.status, 400);
  t.is(invalid.body.error?.code, 'TOPIC_NAME_INVALID');
  t.is((await call<ErrorAnswer>(base, 'POST', '/v1/groups/G/topics/Nope/receive', {})).body.error.code, 'TOPIC_NOT_FOUND');
  t.is((await call<ErrorAnswer>(base, 'GET', '/v1/topics/Nope')).status, 404);
  t.is((await call<ErrorAnswer>(base, 'GET', '/v1/topics/Nope/queues/0/messages')).body.error.code, 'TOPIC_NOT_FOUND');
  t.is((await call<ErrorAnswer>(base, 'GET', '/v1/topics/bad.name')).body.error.code, 'TOPIC_NAME_INVALID');
});

test('a Content-Length over the limit is refused with 413 from the headers alone', async (t) => {
  const { port } = await httpBroker(t, { http: { maxBodyBytes: 1024 } });
  // Only the headers are sent: the answer must come without the body.
  const answer = await rawRequest(port, { method: 'POST', path: '/v1/topics/T/messages', headers: { 'content-type': 'application/json', 'content-length': 10_000_000 } }, (req) => req.flushHeaders());
  t.is(answer.status, 413);
  t.is((JSON.parse(answer.body) as ErrorAnswer).error.code, 'HTTP_BODY_TOO_LARGE');
  t.is(answer.headers.connection, 'close');
  // Expect: 100-continue (curl for big bodies): refused before the client sends the body.
  const expect = await rawRequest(port, { method: 'POST', path: '/v1/topics/T/messages', headers: { 'content-type': 'text/plain', 'content-length': 5000, expect: '100-continue' } }, (req) => {
    req.on('continue', () => req.destroy(new Error('the server asked for the body')));
    req.flushHeaders();
  });
  t.is(expect.status, 413);
});

test('a raw message over maxMessageBytes and a chunked body growing past maxBodyBytes answer 413', async (t) => {
  const { port } = await httpBroker(t, { http: { maxBodyBytes: 4096, maxMessageBytes: 1000 } });
  const raw = await rawRequest(port, { method: 'POST', path: '/v1/topics/T/messages', headers: { 'content-type': 'text/plain', 'content-length': 2000 } }, (req) => req.flushHeaders());
  t.is(raw.status, 413);
  const chunked = await rawRequest(port, { method: 'POST', path: '/v1/topics/T/messages', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (req) => {
    // Keep writing until the server answers; it must stop reading and answer 413.
    const chunk = Buffer.alloc(1024, 0x20);
    let writes = 0;
    const pump = (): void => {
      if (req.destroyed || writes++ > 64) return;
      req.write(chunk, () => setImmediate(pump));
    };
    req.on('response', () => (writes = 1000));
    pump();
  }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  if (chunked instanceof Error) {
    t.regex(chunked.message, /EPIPE|ECONNRESET|socket hang up/, 'the server may cut the connection after answering');
  } else {
    t.is(chunked.status, 413);
    t.is((JSON.parse(chunked.body) as ErrorAnswer).error.code, 'HTTP_BODY_TOO_LARGE');
  }
});

test('a JSON message over maxMessageBytes is refused alone; the others are stored (partial batch)', async (t) => {
  const { base, messaging } = await httpBroker(t, { http: { maxMessageBytes: 100 } });
  await call(base, 'PUT', '/v1/topics/Part', { readQueueNums: 1, writeQueueNums: 1 });
  const answer = await call<Results>(base, 'POST', '/v1/topics/Part/messages', {
    messages: [{ body: 'ok-1' }, { body: 'x'.repeat(500) }, { body: 'ok-2', properties: { bad: 'a\u0001b' } }, { body: 'ok-3' }],
  });
  t.is(answer.status, 207);
  const [a, b, c, d] = answer.body.results;
  t.true(a !== undefined && 'msgId' in a);
  t.true(b !== undefined && 'error' in b && b.error.code === 'MESSAGE_TOO_LARGE');
  t.true(c !== undefined && 'error' in c && c.error.code === 'MESSAGE_PROPERTY_INVALID');
  t.true(d !== undefined && 'msgId' in d);
  // Nothing accepted is lost: exactly the stored ones are in the queue, at the offsets answered.
  const read = await messaging.read({ topic: 'Part', queueId: 0, offset: 0, max: 10 });
  t.is(read.status, 'found');
  if (read.status !== 'found') return;
  t.deepEqual(read.messages.map((m) => Buffer.from(m.body).toString()), ['ok-1', 'ok-3']);
  t.deepEqual(read.messages.map((m) => m.queueOffset), [a, d].map((r) => (r !== undefined && 'queueOffset' in r ? r.queueOffset : -1)));
});

test('slow headers time out and huge headers answer 431', async (t) => {
  const { port } = await httpBroker(t, { http: { headersTimeoutMs: 200, requestTimeoutMs: 1000, maxHeaderBytes: 2048 } });
  const socket = await connect(t, port);
  socket.write('POST /v1/topics/T/messages HTTP/1.1\r\nHost: x\r\n'); // never finishes the headers
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server kept a slow-header connection open for 10 s')), 10_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  t.regex(Buffer.concat(received).toString(), /^HTTP\/1\.1 408/);
  const huge = await rawRequest(port, { method: 'GET', path: '/healthz', headers: { 'x-big': 'y'.repeat(4096) } });
  t.is(huge.status, 431);
});
