import test from 'ava';
import { httpConfigSchema } from '../../plugins/http/config.js';
import { httpBroker, rawRequest } from './http-helpers.js';

const PAGE = 'http://localhost:5173';

interface Produced {
  results: { msgId: string; queueId: number; queueOffset: number }[];
}

function preflight(port: number, origin: string, requestHeaders: string) {
  return rawRequest(port, {
    method: 'OPTIONS',
    path: '/v1/topics/CorsT/messages',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
  });
}

function produceFrom(port: number, origin: string, body: string) {
  return rawRequest(port, { method: 'POST', path: '/v1/topics/CorsT/messages', headers: { origin, 'content-type': 'text/plain', 'x-cometmq-property-color': 'blue', 'content-length': Buffer.byteLength(body) } }, (req) => req.end(body));
}

test('CORS is off by default: no Access-Control headers, a preflight is not answered as one', async (t) => {
  const { port } = await httpBroker(t);
  const pre = await preflight(port, PAGE, 'content-type');
  t.is(pre.headers['access-control-allow-origin'], undefined);
  t.is(pre.status, 404);
  t.is((JSON.parse(pre.body) as { error: { code: string } }).error.code, 'HTTP_ROUTE_NOT_FOUND');
  const posted = await produceFrom(port, PAGE, 'same broker, no CORS');
  t.is(posted.status, 200);
  t.is(posted.headers['access-control-allow-origin'], undefined);
});

test('CORS for listed origins: preflight allows the method and the headers asked for; the produce answer names the origin; other origins get nothing', async (t) => {
  const { port, messaging } = await httpBroker(t, { http: { cors: { allowOrigins: [`${PAGE}/`], maxAgeSecs: 120 } } });
  const pre = await preflight(port, PAGE, 'content-type, x-cometmq-property-color');
  t.is(pre.status, 204);
  t.is(pre.headers['access-control-allow-origin'], PAGE);
  t.regex(String(pre.headers['access-control-allow-methods']), /POST/);
  t.regex(String(pre.headers['access-control-allow-headers']), /x-cometmq-property-color/);
  t.is(pre.headers['access-control-max-age'], '120');
  t.is(pre.headers['access-control-allow-credentials'], undefined);
  t.regex(String(pre.headers['vary']), /origin/i);

  const posted = await produceFrom(port, PAGE, 'from the dev server');
  t.is(posted.status, 200);
  t.is(posted.headers['access-control-allow-origin'], PAGE);
  const [result] = (JSON.parse(posted.body) as Produced).results;
  const read = await messaging.read({ topic: 'CorsT', queueId: result!.queueId, offset: result!.queueOffset, max: 1 });
  t.is(read.status, 'found');
  if (read.status === 'found') {
    t.is(Buffer.from(read.messages[0]!.body).toString('utf8'), 'from the dev server');
    t.is(read.messages[0]!.properties['color'], 'blue');
  }

  const other = await preflight(port, 'http://evil.test', 'content-type');
  t.is(other.headers['access-control-allow-origin'], undefined);
  const otherPost = await produceFrom(port, 'http://evil.test', 'x');
  t.is(otherPost.headers['access-control-allow-origin'], undefined);
});

test('CORS with "*": any origin, never with credentials', async (t) => {
  const { port } = await httpBroker(t, { http: { cors: { allowOrigins: ['*'] } } });
  const pre = await preflight(port, 'http://anything.test:3000', 'content-type');
  t.is(pre.status, 204);
  t.is(pre.headers['access-control-allow-origin'], '*');
  t.is(pre.headers['access-control-allow-credentials'], undefined);
  const got = await rawRequest(port, { method: 'GET', path: '/healthz', headers: { origin: 'http://anything.test:3000' } });
  t.is(got.status, 200);
  t.is(got.headers['access-control-allow-origin'], undefined, 'only /v1 is opened to other origins');
  const topics = await rawRequest(port, { method: 'GET', path: '/v1/topics', headers: { origin: 'http://anything.test:3000' } });
  t.is(topics.status, 200);
  t.is(topics.headers['access-control-allow-origin'], '*');
});

test('CORS origins that are not http(s) URLs are refused by the config, naming the entry', (t) => {
  for (const bad of ['localhost:5173', 'ftp://files.test', '', '**']) {
    const r = httpConfigSchema.safeParse({ cors: { allowOrigins: [bad] } });
    t.false(r.success, bad);
    if (!r.success) t.deepEqual(r.error.issues[0]?.path, ['cors', 'allowOrigins', 0]);
  }
  const ok = httpConfigSchema.parse({ cors: { allowOrigins: ['https://app.example.com/some/path'] } });
  t.deepEqual(ok.cors.allowOrigins, ['https://app.example.com'], 'a URL is reduced to its origin');
});
