import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import test from 'ava';
import { z } from 'zod';
import { call, httpBroker } from './http-helpers.js';
import type { OpenApiDocument } from '../../plugins/http/openapi.js';
import { createApp } from '../../plugins/http/app.js';
import { httpConfig } from '../../plugins/http/config.js';
import { honoPath, type RouteDeps } from '../../plugins/http/route.js';
import { apiRoutes } from '../../plugins/http/routes/index.js';
import { MESSAGE_STORE, POP } from '../../kernel/tokens.js';
import { systemClock } from '../../kernel/services.js';
import { createHttpDoor } from '../../plugins/http/door.js';
import { HTTP_EXTENSIONS } from '../../plugins/http/extensions.js';

test('the OpenAPI document lists every route of the app, with the schemas the routes validate with', async (t) => {
  const { base, kernel, messaging } = await httpBroker(t);
  const answer = await call<OpenApiDocument>(base, 'GET', '/v1/openapi.json');
  t.is(answer.status, 200);
  const doc = answer.body;
  t.is(doc.openapi, '3.1.0');
  // The door's own table, built the same way as the one serving.
  const door = createHttpDoor({ messaging, pop: kernel.resolve(POP), clock: systemClock, logger: kernel.logger, store: kernel.resolve(MESSAGE_STORE) }, httpConfig({ host: '127.0.0.1', port: 0 }), HTTP_EXTENSIONS);
  const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${honoPath(path)}`)));
  const mounted = new Set(door.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
  // Upgrade paths (the WebSocket door) are served outside the hono app: documented as GET.
  for (const e of door.extensions) for (const p of e.upgradePaths ?? []) mounted.add(`GET ${p}`);
  t.deepEqual([...mounted].sort(), [...documented].sort(), 'every mounted route is documented and every documented one is mounted');
  t.true(documented.size >= 17);
  for (const route of door.routes) {
    const op = doc.paths[route.path]?.[route.method];
    t.truthy(op, `${route.method} ${route.path}`);
    if (route.body !== undefined) {
      const content = (op?.['requestBody'] as { content: Record<string, { schema: unknown }> }).content;
      const { $schema: _s, ...expected } = z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      t.deepEqual(content['application/json']?.schema, expected, `${route.operationId} body schema`);
    }
  }
  t.deepEqual(door.routes.filter((r) => r.adminWrite).map((r) => r.operationId).sort(), ['putTopic', 'resetOffsets']);
  // The documented limits are the validated ones: receive's max is bounded by receiveMaxMessages.
  const receiveBody = (doc.paths['/v1/groups/{group}/topics/{topic}/receive']?.['post']?.['requestBody'] as { content: Record<string, { schema: { properties: Record<string, { maximum?: number }> } }> }).content['application/json']!.schema;
  t.is(receiveBody.properties['max']?.maximum, 32);
  const tooMany = await call<{ error: { code: string; message: string } }>(base, 'POST', '/v1/groups/G/topics/T/receive', { max: 33 });
  t.is(tooMany.status, 400);
  t.regex(tooMany.body.error.message, /body\.max/);
  await door.stop(performance.now() + 1000);
});

test('admin write routes refuse a request whose remote address is not loopback', async (t) => {
  const deps: RouteDeps = {
    messaging: {} as RouteDeps['messaging'],
    pop: {} as RouteDeps['pop'],
    members: () => [],
    config: httpConfig(),
    clock: systemClock,
    logger: (await import('pino')).pino({ level: 'silent' }),
    notReadyReason: () => undefined,
    shutdownSignal: new AbortController().signal,
  };
  const routes = apiRoutes(deps);
  const app = createApp(routes, deps, [], deps.logger);
  // An unconnected socket has no remote address: not loopback. (The services are never reached.)
  const env = { incoming: new IncomingMessage(new Socket()) };
  for (const route of routes.filter((r) => r.adminWrite)) {
    const url = `http://x${route.path.replace('{topic}', 'T').replace('{group}', 'G')}`;
    const res = await app.fetch(new Request(url, { method: route.method.toUpperCase(), body: '{}' }), env);
    t.is(res.status, 403, route.operationId);
    t.is(((await res.json()) as { error: { code: string } }).error.code, 'HTTP_FORBIDDEN_REMOTE_ADMIN');
  }
});
