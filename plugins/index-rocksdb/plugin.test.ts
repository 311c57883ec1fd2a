import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MESSAGE_INDEX } from '../../kernel/tokens.js';
import { registerAlone } from '../../test/helpers/plugin-context.js';
import { entry, T0 } from '../../test/contracts/message-index.contract.js';
import plugin from './index.js';
import { indexRocksdbConfig } from './config.js';

/** Register the plugin with a minimal context; returns what it provided and its hooks. */
async function register(dataDir: string, slice: unknown = {}) {
  const { hooks, provided, get } = await registerAlone(plugin, dataDir, slice);
  return { hooks, index: get(MESSAGE_INDEX), provided };
}

test('config: every key has a default, unknown keys and escaping subfolders are rejected', (t) => {
  t.deepEqual(indexRocksdbConfig.parse({}), { subfolder: 'index', timeIndexIntervalMs: 1000, timePointCacheQueues: 65_536 });
  t.false(indexRocksdbConfig.safeParse({ nope: 1 }).success);
  for (const subfolder of ['../x', 'a/b', '..', '.', '', '/abs']) {
    t.false(indexRocksdbConfig.safeParse({ subfolder }).success, subfolder);
  }
  t.false(indexRocksdbConfig.safeParse({ timeIndexIntervalMs: 0 }).success);
});

test('the plugin provides MESSAGE_INDEX, opens it under dataDir/<subfolder> in init and closes it in stop', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-index-plugin-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  t.deepEqual(plugin.manifest.provides, [MESSAGE_INDEX]);

  const first = await register(dataDir, { subfolder: 'idx' });
  t.deepEqual([...first.provided.keys()], [MESSAGE_INDEX.symbol]);
  if (first.index === undefined) return t.fail('MESSAGE_INDEX not provided');
  t.throws(() => first.index?.indexedUpTo(), { message: /before init/ });
  await first.hooks.init?.();
  await first.index.add([entry({ phys: 0, ts: T0, keys: ['k'] })]);
  await first.hooks.stop?.(0);
  t.deepEqual(await readdir(dataDir), ['idx']);

  const second = await register(dataDir, { subfolder: 'idx' });
  await second.hooks.init?.();
  t.teardown(() => second.hooks.stop?.(0));
  t.is(await second.index?.indexedUpTo(), 100);
  t.deepEqual((await second.index?.byKey('TopicA', 'k', { limit: 5 }))?.physicalOffsets, [0]);
});
