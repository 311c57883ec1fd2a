import test from 'ava';
import { AUTH } from '../../kernel/tokens.js';
import { testKernel } from '../../test/helpers/kernel-harness.js';
import { createAllowAllAuth } from './allow-all.js';

test('authenticate: a named user stays that user, everyone else is anonymous; remote address kept', async (t) => {
  const auth = createAllowAllAuth();
  t.deepEqual(await auth.authenticate({ kind: 'password', user: 'ada', password: 'pw', remoteAddress: '127.0.0.1:5' }), {
    status: 'ok',
    identity: { kind: 'user', user: 'ada', remoteAddress: '127.0.0.1:5' },
  });
  t.deepEqual(await auth.authenticate({ kind: 'signature', accessKey: 'AK', signature: 's', signedContent: new Uint8Array() }), {
    status: 'ok',
    identity: { kind: 'user', user: 'AK' },
  });
  t.deepEqual(await auth.authenticate({ kind: 'none' }), { status: 'ok', identity: { kind: 'anonymous' } });
  t.deepEqual(await auth.authenticate({ kind: 'token', token: 't' }), { status: 'ok', identity: { kind: 'anonymous' } });
});

test('authorize allows every action on every resource', async (t) => {
  const auth = createAllowAllAuth();
  for (const action of ['produce', 'consume', 'admin:read', 'admin:write'] as const) {
    for (const resource of [{ kind: 'topic', name: 't' }, { kind: 'group', name: 'g' }, { kind: 'cluster' }] as const) {
      t.deepEqual(await auth.authorize({ kind: 'anonymous' }, action, resource), { status: 'allow' });
      t.deepEqual(auth.decided?.({ kind: 'anonymous' }, action, resource), { status: 'allow' }, 'known at once, as authorize() says');
    }
  }
});

test('loaded by name through the kernel, it provides AUTH', async (t) => {
  const { kernel } = await testKernel(t, { values: { load: ['auth-allow-all'] } });
  await kernel.start();
  t.deepEqual(kernel.plugins.map((p) => p.name), ['auth-allow-all']);
  t.deepEqual(await kernel.resolve(AUTH).authorize({ kind: 'anonymous' }, 'produce', { kind: 'cluster' }), { status: 'allow' });
});
