import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Logger } from 'pino';
import { CometError } from '../../kernel/errors.js';
import { errorResponse } from './errors.js';
import type { HttpExtension } from './extension.js';
import { mountRoutes, type Route, type RouteDeps } from './route.js';

/**
 * The hono app: CORS for /v1 when plugins.http.cors allows origins, the REST route table, then each
 * extension's routes (WebSocket door, SSE, /sdk), then the JSON 404. Every error becomes
 * `{"error":{"code","message"}}` with the code's HTTP status; an unexpected one is logged and
 * answered as INTERNAL without its stack.
 */
export function createApp(routes: readonly Route[], deps: RouteDeps, extensions: readonly HttpExtension[], logger: Logger): Hono {
  const app = new Hono();
  const { allowOrigins, maxAgeSecs } = deps.config.cors;
  if (allowOrigins.length > 0) {
    const wildcard = allowOrigins.includes('*');
    const allowed = new Set(allowOrigins);
    app.use(
      '/v1/*',
      cors({
        origin: wildcard ? '*' : (origin) => (allowed.has(origin) ? origin : null),
        allowMethods: ['GET', 'POST', 'PUT', 'OPTIONS'],
        maxAge: maxAgeSecs,
        credentials: false,
      }),
    );
  }
  mountRoutes(app, routes, deps);
  for (const extension of extensions) extension.routes?.(app);
  app.notFound((c) => errorResponse(new CometError('HTTP_ROUTE_NOT_FOUND', `no endpoint ${c.req.method} ${c.req.path} (see /v1/openapi.json)`)));
  app.onError((err, c) => {
    if (err instanceof CometError) {
      // The body was not (fully) read: close the connection rather than read what is left of it.
      return errorResponse(err, err.code === 'HTTP_BODY_TOO_LARGE' ? { connection: 'close' } : undefined);
    }
    logger.error({ err, method: c.req.method, path: c.req.path, code: 'INTERNAL' }, 'HTTP request failed unexpectedly');
    return errorResponse(new CometError('INTERNAL', 'internal error; the broker log has the details'));
  });
  return app;
}
