import { existsSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { DEFAULT_LOAD } from '../../kernel/config/schema.js';
import { tempDir } from '../helpers/kernel-harness.js';
import { logLines, REPO_ROOT, spawnCli } from '../helpers/kernel-cli.js';
import { LOOPBACK_FLAGS } from '../helpers/loopback.js';

const EXAMPLE = path.join(REPO_ROOT, 'test/fixtures/example-plugin');

test('cometmq start with the default plugins prints a ready line and stops cleanly on SIGTERM', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-cli-');
  const cli = spawnCli(['start', '--data-dir', dataDir, ...LOOPBACK_FLAGS]);
  t.teardown(() => void cli.child.kill('SIGKILL'));
  const ready = await cli.waitForLine(/^cometmq ready:/, 60_000);
  t.true(ready.startsWith(`cometmq ready: dataDir=${dataDir} plugins=`), ready);
  t.true(ready.endsWith(' flush=async'), ready);
  t.regex(cli.stdout(), /^door remoting listening on tcp:\/\/127\.0\.0\.1:\d+$/m, 'the native door says where it listens');
  t.regex(cli.stdout(), /^door namesrv listening on tcp:\/\/127\.0\.0\.1:\d+$/m, 'and so does the name server');
  t.deepEqual([...DEFAULT_LOAD].sort(), ready.split('plugins=')[1]!.split(' ')[0]!.split(',').sort());
  t.true(existsSync(path.join(dataDir, 'store', 'abort')), 'while running, the store marks itself not cleanly stopped');
  cli.child.kill('SIGTERM');
  const run = await cli.exited;
  t.is(run.code, 0, run.stderr);
  t.true(run.stdout.includes('cometmq stopped (SIGTERM)'));
  const logs = logLines(run.stderr);
  t.true(logs.some((l) => l.msg === 'kernel stopping: signal SIGTERM'));
  const stopped = logs.find((l) => l.msg === 'kernel stopped');
  t.deepEqual([stopped?.reason, stopped?.timedOut, stopped?.failed], ['signal SIGTERM', [], []]);
  t.true(existsSync(path.join(dataDir, 'store')), 'the store kept its files under dataDir');
  t.false(existsSync(path.join(dataDir, 'store', 'abort')), 'a graceful stop leaves the clean-shutdown marker');
  t.true(existsSync(path.join(dataDir, 'store', 'checkpoint')), 'and a final checkpoint');
  t.false(existsSync(path.join(dataDir, 'store', 'lock')), 'and releases the data-dir lock');
});

test('cometmq start loads a plugin from a path and stops on SIGINT', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-cli-');
  const cli = spawnCli(['start', '--load', `auth-allow-all,${EXAMPLE}`, '--set', 'plugins.example-greeter.greeting=hey'], {
    env: { COMETMQ_DATA_DIR: dataDir },
  });
  t.teardown(() => void cli.child.kill('SIGKILL'));
  const ready = await cli.waitForLine(/^cometmq ready:/, 60_000);
  t.is(ready, `cometmq ready: dataDir=${dataDir} plugins=auth-allow-all,example-greeter flush=none doors=none`);
  cli.child.kill('SIGINT');
  const run = await cli.exited;
  t.is(run.code, 0, run.stderr);
  const logs = logLines(run.stderr);
  t.true(logs.some((l) => l.plugin === 'example-greeter' && l.msg === 'example plugin registered' && l.greeting === 'hey'));
  t.true(logs.some((l) => l.plugin === 'example-greeter' && l.msg === 'example plugin stopped'));
  t.true(logs.some((l) => l.msg === 'kernel stopped'));
});

test('cometmq start with an invalid config exits 1 naming every bad key', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-cli-');
  const cli = spawnCli(['start', '--data-dir', dataDir, '--load', 'auth-allow-all', '--set', 'advertisedPort=-1', '--set', 'plugins.auth-allow-all.x=1']);
  const run = await cli.exited;
  t.is(run.code, 1);
  t.regex(run.stderr, /cometmq: CONFIG_INVALID: invalid configuration \(2 problems\)/);
  t.regex(run.stderr, /advertisedPort: Too small/);
  t.regex(run.stderr, /plugins\.auth-allow-all\.x: unknown key/);
});
