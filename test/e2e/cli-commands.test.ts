import path from 'node:path';
import test from 'ava';
import { tempDir } from '../helpers/kernel-harness.js';
import { REPO_ROOT, runCli } from '../helpers/kernel-cli.js';

const EXAMPLE = path.join(REPO_ROOT, 'test/fixtures/example-plugin');

test('cometmq --help lists the commands', async (t) => {
  const run = await runCli(['--help']);
  t.is(run.code, 0);
  for (const cmd of ['start', 'config', 'errors', 'namesrv', 'broker']) t.regex(run.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
});

test('cometmq broker rejects a bad --namesrv list with a coded error, exit 1 (roles: plugins/namesrv/test/cli.test.ts)', async (t) => {
  const run = await runCli(['broker', '--namesrv', 'no-port']);
  t.is(run.code, 1);
  t.regex(run.stderr, /^cometmq: NAMESRV_ADDR_INVALID: name server address "no-port" is not host:port/);
});

test('cometmq config print shows the effective config: env over defaults, flags over env, secrets redacted', async (t) => {
  const cwd = await tempDir(t, 'cometmq-cli-');
  const run = await runCli(
    ['config', 'print', '--load', `auth-allow-all,${EXAMPLE}`, '--set', 'plugins.example-greeter.apiToken=s3cret', '--set', 'brokerName=from-flag'],
    { cwd, env: { COMETMQ_DATA_DIR: 'rel-data', COMETMQ_BROKER_NAME: 'from-env', COMETMQ_CLUSTER_NAME: 'from-env', COMETMQ_PLUGINS__EXAMPLE_GREETER__GREETING: 'yo' } },
  );
  t.is(run.code, 0, run.stderr);
  const config = JSON.parse(run.stdout) as Record<string, unknown>;
  t.is(config.dataDir, path.join(cwd, 'rel-data'));
  t.is(config.brokerName, 'from-flag');
  t.is(config.clusterName, 'from-env');
  t.deepEqual(config.plugins, { 'auth-allow-all': {}, 'example-greeter': { greeting: 'yo', apiToken: '[Redacted]' } });
  t.false(run.stdout.includes('s3cret'));
});

test('cometmq config print reports an unknown COMETMQ_ variable with exit 1', async (t) => {
  const run = await runCli(['config', 'print', '--load', 'auth-allow-all'], { env: { COMETMQ_NOT_A_KEY: '1' } });
  t.is(run.code, 1);
  t.regex(run.stderr, /CONFIG_ENV_UNKNOWN: .*\n.*COMETMQ_NOT_A_KEY/);
});
