import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { z } from 'zod';
import type { CometError } from '../errors.js';
import { readLayers, type ConfigSources } from './layers.js';
import { redact, resolveBootstrap, resolveConfig } from './resolve.js';
import { DEFAULT_LOAD, kernelConfigSchema } from './schema.js';
import { packageRoot, readJsonObject } from './layers.js';

const storeSchema = z
  .object({
    segmentBytes: z.number().int().positive().default(1024),
    subfolder: z.string().default('store'),
    tiers: z.object({ hotBytes: z.number().default(1) }).strict().prefault({}),
  })
  .strict();
const flushSchema = z.object({ flushTimeoutMs: z.number().default(5000) }).strict();
const slices = new Map<string, z.ZodType>([
  ['store-commitlog', storeSchema],
  ['flush-sync', flushSchema],
]);

async function dir(t: ExecutionContext): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'cometmq-config-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function jsonFile(t: ExecutionContext, value: unknown): Promise<string> {
  const file = path.join(await dir(t), 'broker.json');
  await writeFile(file, JSON.stringify(value));
  return file;
}

function resolve(sources: ConfigSources) {
  return resolveConfig(readLayers({ cwd: '/srv', ...sources }), slices);
}

const defaults = { brokerName: 'from-default', clusterName: 'from-default', dataDir: 'd-default', load: [] };

test('config/default.json is valid and matches the schema defaults', (t) => {
  const file = readJsonObject(path.join(packageRoot(), 'config', 'default.json'));
  t.deepEqual(kernelConfigSchema.parse(file), kernelConfigSchema.parse({}));
  t.deepEqual(kernelConfigSchema.parse({}).load, [...DEFAULT_LOAD]);
});

test('precedence: default < file < env < flags, each layer winning over the one below', async (t) => {
  const file = await jsonFile(t, { brokerName: 'from-file', clusterName: 'from-file', dataDir: 'd-file', plugins: { 'store-commitlog': { segmentBytes: 2048 } } });
  const onlyDefaults = resolve({ defaults });
  t.is(onlyDefaults.brokerName, 'from-default');
  t.is(onlyDefaults.dataDir, '/srv/d-default');
  t.deepEqual(onlyDefaults.plugins['store-commitlog'], { segmentBytes: 1024, subfolder: 'store', tiers: { hotBytes: 1 } });

  const withFile = resolve({ defaults, file });
  t.is(withFile.brokerName, 'from-file');
  t.is(withFile.dataDir, '/srv/d-file');
  t.is((withFile.plugins['store-commitlog'] as { segmentBytes: number }).segmentBytes, 2048);

  const env = { COMETMQ_BROKER_NAME: 'from-env', COMETMQ_DATA_DIR: '/abs/env', COMETMQ_PLUGINS__STORE_COMMITLOG__SEGMENT_BYTES: '4096' };
  const withEnv = resolve({ defaults, file, env });
  t.is(withEnv.brokerName, 'from-env');
  t.is(withEnv.clusterName, 'from-file', 'keys the env does not name keep the file value');
  t.is(withEnv.dataDir, '/abs/env');
  t.is((withEnv.plugins['store-commitlog'] as { segmentBytes: number }).segmentBytes, 4096);

  const withFlags = resolve({
    defaults,
    file,
    env,
    flags: { dataDir: 'd-flag', logLevel: 'debug', set: ['brokerName=from-flag', 'plugins.store-commitlog.segmentBytes=8192', 'plugins.flush-sync.flushTimeoutMs=100'] },
  });
  t.is(withFlags.brokerName, 'from-flag');
  t.is(withFlags.dataDir, '/srv/d-flag', 'dataDir is made absolute against cwd');
  t.is(withFlags.log.level, 'debug');
  t.is((withFlags.plugins['store-commitlog'] as { segmentBytes: number }).segmentBytes, 8192);
  t.deepEqual(withFlags.plugins['flush-sync'], { flushTimeoutMs: 100 });
});

test('programmatic values sit between the file and the environment', async (t) => {
  const file = await jsonFile(t, { brokerName: 'from-file' });
  t.is(resolve({ defaults, file, values: { brokerName: 'from-values' } }).brokerName, 'from-values');
  t.is(resolve({ defaults, file, values: { brokerName: 'from-values' }, env: { COMETMQ_BROKERNAME: 'from-env' } }).brokerName, 'from-env');
});

test('env levels match case-insensitively ignoring _ and -, values are JSON when they parse', (t) => {
  const config = resolve({
    defaults,
    env: {
      cometmq_advertised_port: '1234',
      COMETMQ_LOG__LEVEL: 'warn',
      COMETMQ_LOG__PRETTY: 'true',
      COMETMQ_CLUSTER_NAME: '42',
      COMETMQ_PLUGINS__STORE_COMMITLOG__TIERS__HOT_BYTES: '9',
      COMETMQ_PLUGINS__FLUSHSYNC__FLUSH_TIMEOUT_MS: '250',
      OTHER_VAR: 'ignored',
    },
  });
  t.is(config.advertisedPort, 1234);
  t.deepEqual(config.log, { level: 'warn', pretty: true });
  t.is(config.clusterName, '42', 'a string key keeps the text even when it parses as JSON');
  t.deepEqual((config.plugins['store-commitlog'] as { tiers: unknown }).tiers, { hotBytes: 9 });
  t.deepEqual(config.plugins['flush-sync'], { flushTimeoutMs: 250 });
});

test('COMETMQ_LOAD and --load give the plugin list; env lists are comma separated or JSON', (t) => {
  t.deepEqual(resolveBootstrap(readLayers({ defaults, env: { COMETMQ_LOAD: 'a,b' } })).load, ['a', 'b']);
  t.deepEqual(resolveBootstrap(readLayers({ defaults, env: { COMETMQ_LOAD: '["c"]' } })).load, ['c']);
  t.deepEqual(resolveBootstrap(readLayers({ defaults, env: { COMETMQ_LOAD: 'a' }, flags: { load: ['z'] } })).load, ['z']);
  t.deepEqual(resolveBootstrap(readLayers({ defaults: {} })).load, [...DEFAULT_LOAD]);
});

test('relative plugin paths in a config file resolve against its folder', async (t) => {
  const file = await jsonFile(t, { load: ['./plugins/mine.ts', 'auth-allow-all'] });
  const boot = resolveBootstrap(readLayers({ defaults, file }));
  t.deepEqual(boot.load, [path.join(path.dirname(file), 'plugins/mine.ts'), 'auth-allow-all']);
});

test('an unknown COMETMQ_* variable is reported', (t) => {
  const e = t.throws<CometError>(() => resolve({ defaults, env: { COMETMQ_NOPE: '1', COMETMQ_PLUGINS__MISSING__X: '2' } }));
  t.is(e?.code, 'CONFIG_ENV_UNKNOWN');
  t.regex(e?.message ?? '', /COMETMQ_NOPE/);
  t.regex(e?.message ?? '', /COMETMQ_PLUGINS__MISSING__X/);
});

test('an invalid config lists every bad key in one CONFIG_INVALID error', (t) => {
  const e = t.throws<CometError>(() =>
    resolve({
      defaults,
      values: {
        advertisedPort: 'x',
        bogus: true,
        log: { level: 'loud' },
        plugins: { 'store-commitlog': { segmentBytes: 'big', extra: 1 }, 'not-loaded': {} },
      },
      env: { COMETMQ_WHAT: '1' },
      flags: { set: ['noequals'] },
    }),
  );
  t.is(e?.code, 'CONFIG_INVALID');
  const issues = e?.details?.issues as string[];
  for (const expected of [
    /^advertisedPort: expected number/,
    /^bogus: unknown key/,
    /^log\.level: expected one of/,
    /^plugins\.store-commitlog\.segmentBytes: expected number/,
    /^plugins\.store-commitlog\.extra: unknown key/,
    /^plugins\.not-loaded: unknown key/,
    /^env COMETMQ_WHAT/,
    /^--set noequals: expected path=value/,
  ]) {
    t.true(issues.some((i) => expected.test(i)), `${expected} in ${issues.join(' | ')}`);
  }
  t.is(issues.length, 8);
  t.regex(e?.message ?? '', /plugins\.store-commitlog\.segmentBytes: expected number/);
});

test('an unreadable or non-JSON config file is CONFIG_FILE_UNREADABLE', async (t) => {
  t.is(t.throws<CometError>(() => readLayers({ file: '/nonexistent/cometmq.json' }))?.code, 'CONFIG_FILE_UNREADABLE');
  const d = await dir(t);
  await writeFile(path.join(d, 'bad.json'), '{ not json');
  t.is(t.throws<CometError>(() => readLayers({ file: path.join(d, 'bad.json') }))?.code, 'CONFIG_FILE_UNREADABLE');
});

test('--set refuses prototype keys', (t) => {
  const e = t.throws<CometError>(() => resolve({ defaults, flags: { set: ['__proto__.polluted=1'] } }));
  t.is(e?.code, 'CONFIG_INVALID');
  t.is(({} as Record<string, unknown>).polluted, undefined);
});

test('redact hides credential-like values for printing', (t) => {
  const out = redact({ a: 1, plugins: { acl: { password: 'p', accessKeySecret: 's', users: [{ token: 't', name: 'n' }] } } });
  t.deepEqual(out, { a: 1, plugins: { acl: { password: '[Redacted]', accessKeySecret: '[Redacted]', users: [{ token: '[Redacted]', name: 'n' }] } } });
});

test('advertisedPort follows the native door port unless set explicitly', async (t) => {
  const { resolveAdvertisedPort } = await import('../kernel.js');
  t.is(resolveAdvertisedPort({ plugins: {} }), 10911);
  t.is(resolveAdvertisedPort({ plugins: { remoting: { port: 12001 } } }), 12001);
  t.is(resolveAdvertisedPort({ plugins: { remoting: { port: 0 } } }), 10911, 'port 0: unknown until listening');
  t.is(resolveAdvertisedPort({ advertisedPort: 12000, plugins: { remoting: { port: 12001 } } }), 12000);
});
