import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import test from 'ava';
import { pino } from 'pino';
import { z } from 'zod';
import { CometError } from '../../kernel/errors.js';
import { systemClock } from '../../kernel/services.js';
import { captureLogger } from '../../test/helpers/kernel-logs.js';
import { createApp } from './app.js';
import { httpConfig } from './config.js';
import { defineRoute, jsonResponse, type RouteDeps } from './route.js';

function deps(): RouteDeps {
  return {
    messaging: {} as RouteDeps['messaging'],
    pop: {} as RouteDeps['pop'],
    members: () => [],
    config: httpConfig(),
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    notReadyReason: () => undefined,
    shutdownSignal: new AbortController().signal,
  };
}
const env = () => ({ incoming: new IncomingMessage(new Socket()) });

test('an unexpected error answers INTERNAL 500 without the stack, and is logged', async (t) => {
  const logs = captureLogger('info');
  const routes = [
    defineRoute({ method: 'get', path: '/boom', operationId: 'boom', tag: 't', summary: 's', responses: [], handle: () => { throw new Error('secret detail at /srv/x.ts:12'); } }),
    defineRoute({ method: 'get', path: '/coded', operationId: 'coded', tag: 't', summary: 's', responses: [], handle: () => { throw new CometError('TOPIC_NOT_FOUND', 'no topic X'); } }),
    defineRoute({ method: 'get', path: '/items/{n}', operationId: 'items', tag: 't', summary: 's', params: z.object({ n: z.coerce.number().int().min(1) }), responses: [], handle: ({ params }) => jsonResponse({ n: params.n }) }),
  ];
  const app = createApp(routes, deps(), [], logs.logger);
  const boom = await app.fetch(new Request('http://x/boom'), env());
  t.is(boom.status, 500);
  const text = await boom.text();
  t.deepEqual(JSON.parse(text), { error: { code: 'INTERNAL', message: 'internal error; the broker log has the details' } });
  t.notRegex(text, /secret|x\.ts/);
  t.true(logs.withCode('INTERNAL').some((e) => e.msg === 'HTTP request failed unexpectedly'));
  const coded = await app.fetch(new Request('http://x/coded'), env());
  t.is(coded.status, 404);
  t.deepEqual(await coded.json(), { error: { code: 'TOPIC_NOT_FOUND', message: 'no topic X' } });
  t.deepEqual(await (await app.fetch(new Request('http://x/items/7'), env())).json(), { n: 7 });
  const bad = await app.fetch(new Request('http://x/items/0'), env());
  t.is(bad.status, 400);
  t.regex(((await bad.json()) as { error: { message: string } }).error.message, /path\.n/);
});
