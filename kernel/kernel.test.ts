import test from 'ava';
import { z } from 'zod';
import { isCometError, type CometError } from './errors.js';
import { CLOCK, DOOR_REGISTRY, KERNEL_INFO, LOGGER, METER, RANDOM } from './tokens.js';
import { fixturePlugin, phase, T_A, T_B, T_C, T_D } from '../test/helpers/kernel-fixtures.js';
import { testKernel } from '../test/helpers/kernel-harness.js';

test('plugins boot in dependency order, not list order, and stop in reverse', async (t) => {
  const events: string[] = [];
  const plugins = [
    fixturePlugin({ name: 'door', requires: [T_C], events }),
    fixturePlugin({ name: 'api', provides: [T_C], requires: [T_A, T_B], events }),
    fixturePlugin({ name: 'flush', provides: [T_A], events }),
    fixturePlugin({ name: 'store', provides: [T_B], requires: [T_A], events }),
  ];
  const { kernel } = await testKernel(t, { plugins });
  await kernel.start();
  t.is(kernel.state, 'running');
  const boot = ['flush', 'store', 'api', 'door'];
  t.deepEqual(phase(events, 'register'), boot);
  t.deepEqual(phase(events, 'init'), boot);
  t.deepEqual(phase(events, 'start'), boot);
  t.deepEqual(kernel.plugins.map((p) => p.name), boot);
  t.is(events.indexOf('door:register'), 3, 'every register precedes every init');
  t.true(events.indexOf('door:init') < events.indexOf('flush:start'), 'every init precedes every start');
  const report = await kernel.stop('test');
  t.is(kernel.state, 'stopped');
  t.deepEqual(report, { reason: 'test', state: 'stopped', timedOut: [], failed: [] });
  t.deepEqual(phase(events, 'stop'), [...boot].reverse());
});

test('an optional dependency orders its provider first; absent, it is skipped', async (t) => {
  const events: string[] = [];
  const user = fixturePlugin({ name: 'user', optional: [T_A, T_D], events, onRegister: (ctx) => {
    t.deepEqual(ctx.resolveOptional(T_A), { from: 'provider' });
    t.is(ctx.resolveOptional(T_D), undefined);
  } });
  const provider = fixturePlugin({ name: 'provider', provides: [T_A], events });
  const { kernel } = await testKernel(t, { plugins: [user, provider] });
  await kernel.start();
  t.deepEqual(phase(events, 'register'), ['provider', 'user']);
});

test('a missing provider fails boot naming the plugin and the token', async (t) => {
  const events: string[] = [];
  const plugins = [fixturePlugin({ name: 'api', requires: [T_A, T_B], events }), fixturePlugin({ name: 'b', provides: [T_B], events })];
  const { kernel } = await testKernel(t, { plugins });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'PLUGIN_MISSING_PROVIDER');
  t.regex(e?.message ?? '', /plugin api requires test:A/);
  t.deepEqual(e?.details?.missing, [{ plugin: 'api', token: 'test:A' }]);
  t.is(kernel.state, 'failed');
  t.deepEqual(events, [], 'no plugin code ran');
});

test('a dependency cycle fails boot naming the cycle path', async (t) => {
  const plugins = [
    fixturePlugin({ name: 'x', provides: [T_A] }),
    fixturePlugin({ name: 'a', provides: [T_B], requires: [T_C] }),
    fixturePlugin({ name: 'b', provides: [T_C], requires: [T_D] }),
    fixturePlugin({ name: 'c', provides: [T_D], optional: [T_B] }),
  ];
  const { kernel } = await testKernel(t, { plugins });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'PLUGIN_CYCLE');
  t.deepEqual(e?.details?.cycle, ['a', 'b', 'c', 'a']);
  t.regex(e?.message ?? '', /a → b → c → a/);
});

test('two providers of one token fail boot', async (t) => {
  const plugins = [fixturePlugin({ name: 'flush-a', provides: [T_A] }), fixturePlugin({ name: 'flush-b', provides: [T_A] })];
  const { kernel } = await testKernel(t, { plugins });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'PLUGIN_DUPLICATE_PROVIDER');
  t.regex(e?.message ?? '', /test:A is provided by both flush-a and flush-b/);
});

test('a plugin may not provide a kernel token', async (t) => {
  const plugins = [fixturePlugin({ name: 'sneaky', provides: [CLOCK as never] })];
  const { kernel } = await testKernel(t, { plugins });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'PLUGIN_DUPLICATE_PROVIDER');
  t.regex(e?.message ?? '', /provided by both kernel and sneaky/);
});

test('the same plugin loaded twice fails boot', async (t) => {
  const { kernel } = await testKernel(t, { plugins: [fixturePlugin({ name: 'twin' }), fixturePlugin({ name: 'twin' })] });
  t.is((await t.throwsAsync<CometError>(kernel.start()))?.code, 'PLUGIN_DUPLICATE');
});

test('a declared but never registered token fails boot', async (t) => {
  const plugins = [fixturePlugin({ name: 'lazy', provides: [T_A, T_B], skipProvide: [T_B] })];
  const { kernel } = await testKernel(t, { plugins });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'PLUGIN_PROVIDE_NOT_REGISTERED');
  t.regex(e?.message ?? '', /lazy declares test:B/);
});

test('provide and resolve refuse undeclared tokens', async (t) => {
  const provideOther = fixturePlugin({ name: 'p', provides: [T_A], onRegister: (ctx) => ctx.provide(T_B, { from: 'p' }) });
  const k1 = await testKernel(t, { plugins: [provideOther] });
  const e1 = await t.throwsAsync<CometError>(k1.kernel.start());
  t.is(e1?.code, 'PLUGIN_TOKEN_UNDECLARED');
  t.regex(e1?.message ?? '', /p provided test:B/);

  const resolveOther = fixturePlugin({ name: 'r', onRegister: (ctx) => ctx.resolve(T_A) });
  const k2 = await testKernel(t, { plugins: [fixturePlugin({ name: 'a', provides: [T_A] }), resolveOther] });
  const e2 = await t.throwsAsync<CometError>(k2.kernel.start());
  t.is(e2?.code, 'PLUGIN_TOKEN_UNDECLARED');
});

test('a failure in start stops the already-initialised plugins in reverse order', async (t) => {
  const events: string[] = [];
  const plugins = [
    fixturePlugin({ name: 'store', provides: [T_A], events }),
    fixturePlugin({ name: 'api', provides: [T_B], requires: [T_A], events }),
    fixturePlugin({ name: 'door', requires: [T_B], events, failIn: 'start' }),
  ];
  const { kernel, logs } = await testKernel(t, { plugins });
  const e = await t.throwsAsync<CometError>(kernel.start());
  t.is(e?.code, 'PLUGIN_HOOK_FAILED');
  t.regex(e?.message ?? '', /door failed in start/);
  t.is((e?.cause as Error).message, 'door fails in start');
  t.deepEqual(phase(events, 'start'), ['store', 'api', 'door']);
  t.deepEqual(phase(events, 'stop'), ['door', 'api', 'store']);
  t.is(kernel.state, 'failed');
  t.true(logs.messages().includes('kernel failed to start'));
  t.deepEqual(await kernel.stop(), { reason: 'stop requested', state: 'failed', timedOut: [], failed: [] });
});

test('a failure in init stops only the plugins whose init finished', async (t) => {
  const events: string[] = [];
  const plugins = [
    fixturePlugin({ name: 'one', provides: [T_A], events }),
    fixturePlugin({ name: 'two', provides: [T_B], requires: [T_A], events, failIn: 'init' }),
    fixturePlugin({ name: 'three', requires: [T_B], events }),
  ];
  const { kernel } = await testKernel(t, { plugins });
  t.is((await t.throwsAsync<CometError>(kernel.start()))?.code, 'PLUGIN_HOOK_FAILED');
  t.deepEqual(phase(events, 'init'), ['one', 'two']);
  t.deepEqual(phase(events, 'stop'), ['one']);
  t.deepEqual(phase(events, 'start'), []);
});

test('stop is idempotent and start cannot be called twice', async (t) => {
  const events: string[] = [];
  const { kernel } = await testKernel(t, { plugins: [fixturePlugin({ name: 'only', events })] });
  await kernel.start();
  t.is((await t.throwsAsync<CometError>(kernel.start()))?.code, 'KERNEL_STATE');
  const first = kernel.stop('one');
  const second = kernel.stop('two');
  t.is(first, second);
  t.is((await second).reason, 'one');
  t.deepEqual(phase(events, 'stop'), ['only']);
  t.is((await t.throwsAsync<CometError>(kernel.start()))?.code, 'KERNEL_STATE');
  t.is(t.throws<CometError>(() => kernel.resolve(LOGGER))?.code, 'KERNEL_STATE');
});

test('state changes follow the forward-only order and are logged with durations', async (t) => {
  const { kernel, logs } = await testKernel(t, { plugins: [fixturePlugin({ name: 'only' })] });
  const seen: string[] = [];
  kernel.onStateChange((c) => seen.push(`${c.from}>${c.to}`));
  t.is(t.throws<CometError>(() => kernel.resolve(LOGGER))?.code, 'KERNEL_STATE');
  t.is(t.throws<CometError>(() => kernel.config)?.code, 'KERNEL_STATE');
  await kernel.start();
  await kernel.stop();
  t.deepEqual(seen, [
    'created>loading',
    'loading>registered',
    'registered>initializing',
    'initializing>starting',
    'starting>running',
    'running>stopping',
    'stopping>stopped',
  ]);
  const transitions = logs.entries.filter((e) => typeof e.from === 'string' && typeof e.to === 'string');
  t.is(transitions.length, 7);
  t.true(transitions.every((e) => typeof e.ms === 'number'));
});

test('stop before start goes straight to stopped', async (t) => {
  const { kernel } = await testKernel(t);
  const report = await kernel.stop('never started');
  t.is(report.state, 'stopped');
  t.is(kernel.state, 'stopped');
  t.is((await t.throwsAsync<CometError>(kernel.start()))?.code, 'KERNEL_STATE');
});

test('a stop hook past the deadline is logged as KERNEL_SHUTDOWN_TIMEOUT and shutdown continues', async (t) => {
  const events: string[] = [];
  const plugins = [
    fixturePlugin({ name: 'store', provides: [T_A], events }),
    fixturePlugin({ name: 'stuck', requires: [T_A], events, stop: () => new Promise<void>(() => undefined) }),
  ];
  const { kernel, logs } = await testKernel(t, { plugins, values: { shutdownTimeoutMs: 50 } });
  await kernel.start();
  const report = await kernel.stop('deadline test');
  t.deepEqual(report.timedOut, ['plugin stuck stop']);
  t.deepEqual(phase(events, 'stop'), ['store'], 'the store still stopped after the stuck plugin');
  t.is(logs.withCode('KERNEL_SHUTDOWN_TIMEOUT').length, 1);
  t.is(kernel.state, 'stopped');
});

test('doors stop accepting and drain before any plugin stops', async (t) => {
  const events: string[] = [];
  const door = {
    name: 'fake-door',
    addresses: () => ['tcp://127.0.0.1:1'],
    stopAccepting: async () => void events.push('door:stopAccepting'),
    drain: async (deadline: number) => void events.push(`door:drain:${typeof deadline}`),
  };
  const doorPlugin = fixturePlugin({ name: 'door-plugin', events, onRegister: (ctx) => ctx.resolve(DOOR_REGISTRY).add(door) });
  const { kernel } = await testKernel(t, { plugins: [fixturePlugin({ name: 'store', provides: [T_A], events }), doorPlugin] });
  await kernel.start();
  t.deepEqual(kernel.doors().map((d) => d.name), ['fake-door']);
  await kernel.stop();
  const tail = events.slice(events.indexOf('door:stopAccepting'));
  t.deepEqual(tail, ['door:stopAccepting', 'door:drain:number', 'door-plugin:stop', 'store:stop']);
});

test('every registered token resolves once', async (t) => {
  const plugins = [
    fixturePlugin({ name: 'a', provides: [T_A, T_B] }),
    fixturePlugin({ name: 'c', provides: [T_C], requires: [T_A, LOGGER, METER] }),
  ];
  const { kernel } = await testKernel(t, { plugins });
  await kernel.start();
  const tokens = kernel.registeredTokens();
  t.deepEqual(
    tokens.map((tk) => tk.description),
    [LOGGER, CLOCK, RANDOM, KERNEL_INFO, METER, DOOR_REGISTRY, T_A, T_B, T_C].map((tk) => tk.description),
  );
  for (const tk of tokens) t.not(kernel.resolve(tk), undefined, tk.description);
  t.deepEqual(kernel.resolve(T_C), { from: 'c' });
  t.is(kernel.resolve(KERNEL_INFO).dataDir, kernel.config.dataDir);
  t.is(typeof kernel.resolve(RANDOM).next(), 'number');
  t.is(kernel.resolveOptional(T_D), undefined);
});

test('a plugin receives only its own validated config slice', async (t) => {
  const seen: unknown[] = [];
  const schema = z.object({ size: z.number().default(7), label: z.string().default('x') }).strict();
  const plugins = [
    fixturePlugin({ name: 'first', config: schema, onRegister: (ctx) => seen.push(ctx.config) }),
    fixturePlugin({ name: 'second', config: z.object({ other: z.boolean().default(true) }).strict(), onRegister: (ctx) => seen.push(ctx.config) }),
  ];
  const { kernel } = await testKernel(t, { plugins, values: { plugins: { first: { size: 9 } } } });
  await kernel.start();
  t.deepEqual(seen, [{ size: 9, label: 'x' }, { other: true }]);
  t.true(isCometError(t.throws(() => kernel.resolve(T_A))));
});
