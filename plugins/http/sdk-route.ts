import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { CometError } from '../../kernel/errors.js';
import { DEMO_HTML } from '../../sdk-web/demo.js';
import type { HttpExtensionFactory } from './extension.js';

/**
 * `/sdk`: the browser SDK (sdk-web/) bundled by esbuild on first request and cached for the life of
 * the door — `GET /sdk/cometmq.js` (ESM, es2020, minified), its source map at `/sdk/cometmq.js.map`,
 * and a playground page at `/sdk/demo.html` (`/sdk` and `/sdk/` redirect there). Answers carry a
 * strong ETag and `cache-control: no-cache`, so browsers revalidate and get 304 until the broker
 * (and so the SDK) changes.
 */

interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly etag: string;
  readonly contentType: string;
}

export interface SdkBundle {
  readonly js: Asset;
  readonly map: Asset;
}

const BUNDLE_NAME = 'cometmq.js';

function asset(bytes: Uint8Array, contentType: string): Asset {
  const body = new Uint8Array(bytes); // an own ArrayBuffer (esbuild's may be shared)
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  return { body, etag: `"${hash}"`, contentType };
}

/**
 * The SDK's entry point beside this module: sdk-web/index.ts when running from sources (tsx),
 * sdk-web/index.js in a `tsc` build (dist/plugins/http → dist/sdk-web).
 */
export function sdkEntryPoint(moduleUrl: string = import.meta.url): string {
  const dir = path.resolve(path.dirname(fileURLToPath(moduleUrl)), '../../sdk-web');
  const candidates = [path.join(dir, 'index.ts'), path.join(dir, 'index.js')];
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) throw new CometError('INTERNAL', `the browser SDK sources are missing (looked for ${candidates.join(', ')})`);
  return found;
}

/** Bundle sdk-web for browsers (esbuild is imported only when the SDK is first asked for). */
export async function buildSdkBundle(entry: string = sdkEntryPoint()): Promise<SdkBundle> {
  const esbuild = await import('esbuild');
  const outfile = path.join(path.dirname(entry), BUNDLE_NAME);
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    write: false,
    outfile,
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (js === undefined || map === undefined) throw new CometError('INTERNAL', 'esbuild produced no bundle for the browser SDK');
  return { js: asset(js.contents, 'text/javascript; charset=utf-8'), map: asset(map.contents, 'application/json; charset=utf-8') };
}

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 §13.1.2 asks for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

function serve(c: Context, file: Asset): Response {
  const headers = { etag: file.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (etagMatches(c.req.header('if-none-match'), file.etag)) return c.body(null, 304, headers);
  return c.body(file.body, 200, { ...headers, 'content-type': file.contentType, 'content-length': String(file.body.byteLength) });
}

/** Builds once; a failed build is not cached (the next request tries again). */
function bundleCache(logger: Logger, build: () => Promise<SdkBundle>): () => Promise<SdkBundle> {
  let pending: Promise<SdkBundle> | undefined;
  return () => {
    if (pending === undefined) {
      const started = performance.now();
      pending = build().then(
        (bundle) => {
          logger.info({ bytes: bundle.js.body.byteLength, ms: Math.round(performance.now() - started) }, 'browser SDK bundled');
          return bundle;
        },
        (err: unknown) => {
          pending = undefined;
          logger.error({ err, code: 'INTERNAL' }, 'bundling the browser SDK failed');
          throw err instanceof CometError ? err : new CometError('INTERNAL', 'bundling the browser SDK failed; the broker log has the details', { cause: err });
        },
      );
    }
    return pending;
  };
}

export interface SdkRouteOptions {
  /** Replaces the esbuild build (tests). */
  readonly build?: () => Promise<SdkBundle>;
}

/** The routes alone (the extension below mounts them; tests may mount them on their own app). */
export function mountSdkRoutes(app: Hono, logger: Logger, options: SdkRouteOptions = {}): void {
  const bundle = bundleCache(logger, options.build ?? (() => buildSdkBundle()));
  const demo = asset(new TextEncoder().encode(DEMO_HTML), 'text/html; charset=utf-8');
  app.get(`/sdk/${BUNDLE_NAME}`, async (c) => serve(c, (await bundle()).js));
  app.get(`/sdk/${BUNDLE_NAME}.map`, async (c) => serve(c, (await bundle()).map));
  app.get('/sdk/demo.html', (c) => serve(c, demo));
  app.get('/sdk', (c) => c.redirect('/sdk/demo.html', 302));
  app.get('/sdk/', (c) => c.redirect('/sdk/demo.html', 302));
}

export const createSdkExtension: HttpExtensionFactory = (deps) => ({
  name: 'sdk',
  openapiPaths: {
    '/sdk/cometmq.js': { get: { operationId: 'sdkBundle', summary: 'The browser SDK (sdk-web) as one ES module', tags: ['sdk'], responses: { '200': { description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } }, '304': { description: 'Not modified (ETag)' } } } },
    '/sdk/cometmq.js.map': { get: { operationId: 'sdkSourceMap', summary: 'Source map of the bundle', tags: ['sdk'], responses: { '200': { description: 'Source map JSON' } } } },
    '/sdk': { get: { operationId: 'sdkIndex', summary: 'Redirects to /sdk/demo.html', tags: ['sdk'], responses: { '302': { description: 'Redirect' } } } },
    '/sdk/': { get: { operationId: 'sdkIndexSlash', summary: 'Redirects to /sdk/demo.html', tags: ['sdk'], responses: { '302': { description: 'Redirect' } } } },
    '/sdk/demo.html': { get: { operationId: 'sdkDemo', summary: 'A produce/consume playground page using the SDK', tags: ['sdk'], responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } },
  },
  routes(app) {
    mountSdkRoutes(app, deps.logger.child({ extension: 'sdk' }));
  },
});
