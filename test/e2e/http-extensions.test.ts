import test from 'ava';
import { CometError } from '../../kernel/errors.js';
import { systemClock } from '../../kernel/services.js';
import { POP } from '../../kernel/tokens.js';
import { httpConfig } from '../../plugins/http/config.js';
import { createHttpDoor } from '../../plugins/http/door.js';
import type { HttpExtension, HttpExtensionFactory } from '../../plugins/http/extension.js';
import { call, connect, httpBroker } from './http-helpers.js';

test('extensions add routes under the same error handling, take their upgrades, and are stopped with the door', async (t) => {
  const { kernel, messaging } = await httpBroker(t);
  const calls: string[] = [];
  const factory: HttpExtensionFactory = (deps) => {
    t.is(deps.config.port, 0, 'extensions get the http config');
    const ext: HttpExtension = {
      name: 'probe',
      routes(app) {
        app.get('/v1/probe', (c) => c.json({ ok: true }));
        app.get('/v1/probe/fail', () => {
          throw new CometError('WS_SUBSCRIPTION_UNKNOWN', 'no such subscription');
        });
      },
      upgradePaths: ['/v1/probe-ws'],
      upgrade(_req, socket) {
        calls.push('upgrade');
        socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: probe\r\nConnection: Upgrade\r\n\r\nhello');
      },
      stopAccepting: () => void calls.push('stopAccepting'),
      drain: async () => void calls.push('drain'),
    };
    return ext;
  };
  const door = createHttpDoor({ messaging, pop: kernel.resolve(POP), clock: systemClock, logger: kernel.logger }, httpConfig({ host: '127.0.0.1', port: 0 }), [factory]);
  const { port } = await door.start();
  t.teardown(() => door.stop(performance.now() + 2000));
  const base = `http://127.0.0.1:${port}`;
  t.deepEqual((await call(base, 'GET', '/v1/probe')).body, { ok: true });
  const failed = await call<{ error: { code: string } }>(base, 'GET', '/v1/probe/fail');
  t.is(failed.status, 400);
  t.is(failed.body.error.code, 'WS_SUBSCRIPTION_UNKNOWN');
  t.is((await call(base, 'GET', '/healthz')).status, 200, 'the REST routes are still there');

  const socket = await connect(t, port);
  const data: Buffer[] = [];
  socket.on('data', (d: Buffer) => data.push(d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write('GET /v1/probe-ws?x=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: probe\r\n\r\n');
  await closed;
  t.regex(Buffer.concat(data).toString(), /^HTTP\/1\.1 101[\s\S]*hello$/);
  t.deepEqual(calls, ['upgrade']);

  await door.stop(performance.now() + 2000);
  t.deepEqual(calls, ['upgrade', 'stopAccepting', 'drain']);
});
