import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { CometClient, CometError } from './index.js';

interface Seen {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** A node:http server answering every request with `answer(seen)`; closed at teardown. */
async function fakeBroker(t: ExecutionContext, answer: (seen: Seen, res: ServerResponse) => void): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const s = { method: req.method, url: req.url, contentType: req.headers['content-type'], body: text === '' ? undefined : JSON.parse(text) };
      seen.push(s);
      answer(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(() => server.closeAllConnections());
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

test('produce POSTs a JSON batch to /v1/topics/{topic}/messages and answers per message', async (t) => {
  const broker = await fakeBroker(t, (_s, res) => json(res, 200, { results: [{ msgId: 'A', queueId: 1, queueOffset: 7 }, { msgId: 'B', queueId: 2, queueOffset: 0 }] }));
  const client = new CometClient({ baseUrl: `${broker.baseUrl}/` });
  const results = await client.produce('Or ders', ['text', new Uint8Array([0xff])]);
  t.deepEqual(results, [
    { status: 'ok', msgId: 'A', queueId: 1, queueOffset: 7 },
    { status: 'ok', msgId: 'B', queueId: 2, queueOffset: 0 },
  ]);
  t.is(broker.seen[0]?.method, 'POST');
  t.is(broker.seen[0]?.url, '/v1/topics/Or%20ders/messages');
  t.is(broker.seen[0]?.contentType, 'application/json');
  t.deepEqual(broker.seen[0]?.body, { messages: [{ body: 'text', encoding: 'utf8' }, { body: '/w==', encoding: 'base64' }] });
});

test('a partly stored batch (207) gives ok and rejected results', async (t) => {
  const broker = await fakeBroker(t, (_s, res) =>
    json(res, 207, { results: [{ msgId: 'A', queueId: 0, queueOffset: 1 }, { error: { code: 'MESSAGE_TOO_LARGE', message: 'too big' } }] }),
  );
  const [ok, rejected] = await new CometClient({ baseUrl: broker.baseUrl }).produce('T', ['a', 'b']);
  t.is(ok?.status, 'ok');
  if (rejected?.status !== 'rejected') return t.fail('second message should be rejected');
  t.true(rejected.error instanceof CometError);
  t.is(rejected.error.code, 'MESSAGE_TOO_LARGE');
  t.is(rejected.error.message, 'too big');
});

test('an error answer throws a CometError with the code, message and HTTP status', async (t) => {
  const broker = await fakeBroker(t, (s, res) => {
    if (s.url?.includes('Bad') === true) return json(res, 400, { error: { code: 'TOPIC_NAME_INVALID', message: 'bad name' } });
    // nothing stored: the door answers the first error beside the per-message results
    json(res, 413, { error: { code: 'MESSAGE_TOO_LARGE', message: 'big' }, results: [{ error: { code: 'MESSAGE_TOO_LARGE', message: 'big' } }] });
  });
  const client = new CometClient({ baseUrl: broker.baseUrl });
  const bad = await t.throwsAsync(client.produce('Bad', 'x'), { instanceOf: CometError });
  t.like(bad, { code: 'TOPIC_NAME_INVALID', message: 'bad name', status: 400 });
  const big = await t.throwsAsync(client.produce('T', 'x'), { instanceOf: CometError });
  t.like(big, { code: 'MESSAGE_TOO_LARGE', status: 413 });
});

test('an answer that is not CometMQ JSON is SDK_NETWORK_ERROR with its status', async (t) => {
  const broker = await fakeBroker(t, (s, res) => {
    if (s.url?.includes('Html') === true) return void res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    if (s.url?.includes('Count') === true) return json(res, 200, { results: [] });
    json(res, 500, { oops: true });
  });
  const client = new CometClient({ baseUrl: broker.baseUrl });
  t.like(await t.throwsAsync(client.produce('Html', 'x'), { instanceOf: CometError }), { code: 'SDK_NETWORK_ERROR', status: 502 });
  t.like(await t.throwsAsync(client.produce('Count', 'x'), { instanceOf: CometError }), { code: 'SDK_NETWORK_ERROR', status: 502 });
  t.like(await t.throwsAsync(client.produce('Other', 'x'), { instanceOf: CometError }), { code: 'SDK_NETWORK_ERROR', status: 500 });
});

test('a refused connection, a timeout and an abort are SDK_NETWORK_ERROR', async (t) => {
  const broker = await fakeBroker(t, () => undefined); // never answers
  const client = new CometClient({ baseUrl: broker.baseUrl, requestTimeoutMs: 200 });
  const timeout = await t.throwsAsync(client.produce('T', 'x'), { instanceOf: CometError });
  t.is(timeout?.code, 'SDK_NETWORK_ERROR');
  t.regex(timeout?.message ?? '', /timed out/);
  const abort = new AbortController();
  const aborted = client.produce('T', 'x', { signal: abort.signal });
  abort.abort();
  t.regex((await t.throwsAsync(aborted, { instanceOf: CometError }))?.message ?? '', /aborted/);

  // a port nothing listens on: bind, read the port, close
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const refused = await t.throwsAsync(new CometClient({ baseUrl: `http://127.0.0.1:${port}` }).produce('T', 'x'), { instanceOf: CometError });
  t.is(refused?.code, 'SDK_NETWORK_ERROR');
  t.is(refused?.status, 503);
});

test('options are checked: baseUrl, topic, closed client', async (t) => {
  t.like(t.throws(() => new CometClient()), { code: 'SDK_OPTION_INVALID' }); // Node: no location.origin
  t.like(t.throws(() => new CometClient({ baseUrl: 'ftp://x' })), { code: 'SDK_OPTION_INVALID' });
  const client = new CometClient({ baseUrl: 'http://127.0.0.1:1' });
  await t.throwsAsync(client.produce('', 'x'), { instanceOf: CometError, message: /topic is required/ });
  const noWs = t.throws(() => client.subscribe({ topic: 'T', group: 'g' }), { instanceOf: CometError, message: /no WebSocket/ });
  t.is(noWs?.code, 'SDK_OPTION_INVALID');
  client.close();
  t.is((await t.throwsAsync(client.produce('T', 'x'), { instanceOf: CometError }))?.code, 'SDK_NOT_STARTED');
});
