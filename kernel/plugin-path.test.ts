import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { CometError } from './errors.js';
import { GREETER } from '../test/fixtures/example-plugin/tokens.js';
import { testKernel } from '../test/helpers/kernel-harness.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/example-plugin');

test('a third-party plugin loads from an absolute path and gets its config slice', async (t) => {
  const { kernel, logs } = await testKernel(t, {
    values: { load: [fixtureDir], plugins: { 'example-greeter': { greeting: 'hi', apiToken: 'sekrit' } } },
  });
  await kernel.start();
  t.deepEqual(kernel.plugins, [{ name: 'example-greeter', version: '1.0.0', source: path.join(fixtureDir, 'index.ts') }]);
  const greeter = kernel.resolve(GREETER);
  t.is(greeter.greet('ada'), 'hi, ada');
  t.false(greeter.messagingAvailable);
  t.deepEqual(greeter.phases, ['init', 'start']);
  const registered = logs.entries.find((e) => e.msg === 'example plugin registered');
  t.is(registered?.plugin, 'example-greeter');
  t.is(registered?.apiToken, '[Redacted]');
  await kernel.stop();
  t.deepEqual(greeter.phases, ['init', 'start', 'stop']);
});

test('a relative plugin path resolves against cwd, and its slice is validated by its schema', async (t) => {
  const cwd = path.join(fixtureDir, '..');
  const { kernel } = await testKernel(t, { cwd, values: { load: ['./example-plugin/index.ts'], plugins: { 'example-greeter': { greeting: '', nope: 1 } } } });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'CONFIG_INVALID');
  t.deepEqual(e?.details?.issues, ['plugins.example-greeter.greeting: Too small: expected string to have >=1 characters', 'plugins.example-greeter.nope: unknown key']);
});
