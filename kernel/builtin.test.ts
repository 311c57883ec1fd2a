import test from 'ava';
import { BUILTIN_PLUGINS, importBuiltin } from './builtin.js';
import { DEFAULT_LOAD } from './config/schema.js';
import { pluginFromModule } from './lifecycle/loader.js';
import { FLUSH_POLICY, MESSAGING } from './tokens.js';
import { testKernel } from '../test/helpers/kernel-harness.js';
import { LOOPBACK_DOORS } from '../test/helpers/loopback.js';

test('every built-in name loads a plugin of that name', async (t) => {
  for (const name of BUILTIN_PLUGINS) {
    const plugin = pluginFromModule(await importBuiltin(name), name);
    t.is(plugin.manifest.name, name);
  }
});

test('the default plugin set boots, and every registered token resolves once', async (t) => {
  const { kernel } = await testKernel(t, { values: { load: [...DEFAULT_LOAD], plugins: LOOPBACK_DOORS } });
  await kernel.start();
  t.deepEqual(kernel.plugins.map((p) => p.name).sort(), [...DEFAULT_LOAD].sort());
  const tokens = kernel.registeredTokens();
  t.is(new Set(tokens.map((tk) => tk.symbol)).size, tokens.length, 'no token registered twice');
  for (const tk of tokens) t.not(kernel.resolve(tk), undefined, tk.description);
  t.is(kernel.resolve(FLUSH_POLICY).mode, 'async');
  t.deepEqual(kernel.resolve(MESSAGING).topics.list(), []);
  const report = await kernel.stop('test');
  t.deepEqual([report.state, report.timedOut, report.failed], ['stopped', [], []]);
});

test('swapping flush-async for flush-sync changes the flush mode; loading both is refused', async (t) => {
  const sync = DEFAULT_LOAD.map((n) => (n === 'flush-async' ? 'flush-sync' : n));
  const a = await testKernel(t, { values: { load: sync, plugins: LOOPBACK_DOORS } });
  await a.kernel.start();
  t.is(a.kernel.resolve(FLUSH_POLICY).mode, 'sync');
  await a.kernel.stop();
  const b = await testKernel(t, { values: { load: [...DEFAULT_LOAD, 'flush-sync'], plugins: LOOPBACK_DOORS } });
  const e = await t.throwsAsync(b.kernel.start());
  t.regex(e?.message ?? '', /provided by both flush-async and flush-sync/);
});
