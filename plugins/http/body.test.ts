import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { isCometError } from '../../kernel/errors.js';
import { readBody } from './body.js';

/** A server whose handler gets each request after node has parsed all of it (or not, with `whole: false`). */
async function server(t: { teardown(fn: () => unknown): void }, whole: boolean, limit: number) {
  const results: Promise<Buffer>[] = [];
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (arrive = r));
  const srv = createServer((req, res) => {
    arrive();
    const run = async (): Promise<Buffer> => {
      // Let node's parser finish the request when the client sent it whole (bounded: a few turns).
      for (let i = 0; whole && !req.complete && i < 1000; i++) await new Promise((r) => setImmediate(r));
      return readBody(req, limit);
    };
    const p = run();
    results.push(p);
    p.then(
      (b) => res.end(`ok ${b.length}`),
      () => res.end('refused'),
    );
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => new Promise((r) => srv.close(r)));
  return { port: (srv.address() as AddressInfo).port, results, arrived };
}

function send(port: number, chunks: Buffer[], headers: Record<string, string | number> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false }, (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test('readBody: a request node has parsed whole is taken from the buffer (one chunk or several, chunked encoding too)', async (t) => {
  const { port, results } = await server(t, true, 1 << 20);
  t.is(await send(port, [Buffer.alloc(1024, 97)], { 'content-length': 1024 }), 'ok 1024');
  t.is(await send(port, [Buffer.from('abc'), Buffer.from('defg')]), 'ok 7');
  const bodies = await Promise.all(results);
  t.deepEqual(bodies.map((b) => b.toString('utf8')), ['a'.repeat(1024), 'abcdefg']);
});

test('readBody: a whole chunked body over the limit is refused with HTTP_BODY_TOO_LARGE', async (t) => {
  const { port, results } = await server(t, true, 5);
  t.is(await send(port, [Buffer.from('abc'), Buffer.from('defg')]), 'refused');
  const err = await t.throwsAsync(results[0]!);
  t.true(isCometError(err, 'HTTP_BODY_TOO_LARGE'));
});

test('readBody: a body still arriving is read as it streams', async (t) => {
  const { port, results, arrived } = await server(t, false, 1 << 20);
  const answer = new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.write('first-');
    // The second part leaves only once the server's handler has started reading the first.
    void arrived.then(() => req.end('second'));
  });
  t.is(await answer, 'ok 12');
  t.is((await results[0]!).toString('utf8'), 'first-second');
});
