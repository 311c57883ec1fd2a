import { createServer } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import test, { type ExecutionContext } from 'ava';
import { Hono } from 'hono';
import pino from 'pino';
import { CometError } from '../../kernel/errors.js';
import { tempDir } from '../../test/helpers/kernel-harness.js';
import { buildSdkBundle, etagMatches, mountSdkRoutes, sdkEntryPoint, type SdkRouteOptions } from './sdk-route.js';

/** The /sdk routes on their own hono app and node:http server (as the HTTP door mounts them). */
async function serveSdk(t: ExecutionContext, options: SdkRouteOptions = {}): Promise<string> {
  const app = new Hono();
  mountSdkRoutes(app, pino({ level: 'silent' }), options);
  app.onError((err, c) => c.json({ error: { code: err instanceof CometError ? err.code : 'INTERNAL', message: err.message } }, 500));
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('GET /sdk/cometmq.js serves the minified ESM bundle with an ETag, then 304', async (t) => {
  const base = await serveSdk(t);
  const res = await fetch(`${base}/sdk/cometmq.js`);
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
  t.is(res.headers.get('cache-control'), 'no-cache');
  const etag = res.headers.get('etag');
  t.regex(etag ?? '', /^"[\w-]+"$/);
  const js = await res.text();
  t.regex(js, /export\s*\{[^}]*\bCometClient\b/);
  t.true(js.trimEnd().endsWith('//# sourceMappingURL=cometmq.js.map'));
  t.false(/\bfrom\s*["']node:|require\(/.test(js), 'no Node built-ins in the browser bundle');
  t.is(Number(res.headers.get('content-length')), new TextEncoder().encode(js).byteLength);

  const again = await fetch(`${base}/sdk/cometmq.js`, { headers: { 'if-none-match': `W/${etag ?? ''}, "other"` } });
  t.is(again.status, 304);
  t.is(again.headers.get('etag'), etag);
  t.is(await again.text(), '');
  const changed = await fetch(`${base}/sdk/cometmq.js`, { headers: { 'if-none-match': '"stale"' } });
  t.is(changed.status, 200);
  t.is(await changed.text(), js, 'built once: the same bytes');

  const map = await fetch(`${base}/sdk/cometmq.js.map`);
  t.is(map.status, 200);
  const sourceMap = (await map.json()) as { version: number; sources: string[] };
  t.is(sourceMap.version, 3);
  t.true(sourceMap.sources.includes('client.ts'), sourceMap.sources.join(', '));
  t.false(sourceMap.sources.some((s) => s.includes('demo')), 'the demo page is not in the bundle');
});

test('the bundle runs as an ES module: CometClient produces over fetch', async (t) => {
  const { js, map } = await buildSdkBundle();
  const dir = await tempDir(t, 'cometmq-sdk-bundle-');
  await writeFile(path.join(dir, 'cometmq.mjs'), js.body);
  await writeFile(path.join(dir, 'cometmq.js.map'), map.body);
  const sdk = (await import(pathToFileURL(path.join(dir, 'cometmq.mjs')).href)) as typeof import('../../sdk-web/index.js');
  const broker = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ msgId: 'M', queueId: 2, queueOffset: 5 }] })));
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => broker.close(() => resolve())));
  const client = new sdk.CometClient({ baseUrl: `http://127.0.0.1:${(broker.address() as AddressInfo).port}` });
  t.deepEqual(await client.produce('T', 'x'), [{ status: 'ok', msgId: 'M', queueId: 2, queueOffset: 5 }]);
  t.is(sdk.backoffDelay(0, {}, () => 0), 50);
});

test('the demo page, and /sdk redirects to it', async (t) => {
  const base = await serveSdk(t);
  const page = await fetch(`${base}/sdk/demo.html`);
  t.is(page.status, 200);
  t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  const html = await page.text();
  t.true(html.includes("import * as CometMQ from './cometmq.js'"));
  t.is((await fetch(`${base}/sdk/demo.html`, { headers: { 'if-none-match': page.headers.get('etag') ?? '' } })).status, 304);
  for (const p of ['/sdk', '/sdk/']) {
    const r = await fetch(`${base}${p}`, { redirect: 'manual' });
    t.is(r.status, 302);
    t.is(r.headers.get('location'), '/sdk/demo.html');
  }
});

test('a failed build answers INTERNAL and is tried again on the next request', async (t) => {
  let calls = 0;
  const real = await buildSdkBundle();
  const base = await serveSdk(t, {
    build: async () => {
      calls++;
      if (calls === 1) throw new Error('esbuild exploded');
      return real;
    },
  });
  const failed = await fetch(`${base}/sdk/cometmq.js`);
  t.is(failed.status, 500);
  t.like(await failed.json(), { error: { code: 'INTERNAL' } });
  t.is((await fetch(`${base}/sdk/cometmq.js`)).status, 200);
  t.is((await fetch(`${base}/sdk/cometmq.js.map`)).status, 200);
  t.is(calls, 2);
});

test('the entry point is sdk-web/index.ts from sources, index.js in a build', async (t) => {
  t.is(sdkEntryPoint(), path.resolve(import.meta.dirname, '../../sdk-web/index.ts'));
  const dist = await tempDir(t, 'cometmq-dist-');
  await mkdir(path.join(dist, 'plugins/http'), { recursive: true });
  await mkdir(path.join(dist, 'sdk-web'), { recursive: true });
  await writeFile(path.join(dist, 'sdk-web/index.js'), 'export const x = 1;\n');
  const moduleUrl = pathToFileURL(path.join(dist, 'plugins/http/sdk-route.js')).href;
  t.is(sdkEntryPoint(moduleUrl), path.join(dist, 'sdk-web/index.js'));
  const missing = await tempDir(t, 'cometmq-dist-');
  t.like(t.throws(() => sdkEntryPoint(pathToFileURL(path.join(missing, 'plugins/http/sdk-route.js')).href)), { code: 'INTERNAL' });
});

test('If-None-Match: weak comparison, lists and *', (t) => {
  t.true(etagMatches('"a"', '"a"'));
  t.true(etagMatches('W/"a"', '"a"'));
  t.true(etagMatches('"b", "a"', '"a"'));
  t.true(etagMatches('*', '"a"'));
  t.false(etagMatches('"b"', '"a"'));
  t.false(etagMatches(undefined, '"a"'));
});
