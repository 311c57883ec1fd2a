import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { METADATA } from '../../kernel/tokens.js';
import { registerAlone } from '../../test/helpers/plugin-context.js';
import { topicConfig } from '../../test/contracts/metadata.contract.js';
import plugin from './index.js';
import { metadataFileConfig } from './config.js';

async function register(dataDir: string, slice: unknown = {}) {
  const { hooks, provided, get } = await registerAlone(plugin, dataDir, slice);
  return { hooks, store: get(METADATA), provided };
}

test('config: every key has a default, unknown keys and escaping subfolders are rejected', (t) => {
  t.deepEqual(metadataFileConfig.parse({}), { subfolder: 'metadata', persistIntervalMs: 5000 });
  t.false(metadataFileConfig.safeParse({ extra: true }).success);
  for (const subfolder of ['../x', 'a/b', '..', '', '/abs']) {
    t.false(metadataFileConfig.safeParse({ subfolder }).success, subfolder);
  }
  t.false(metadataFileConfig.safeParse({ persistIntervalMs: 'soon' }).success);
});

test('the plugin provides METADATA, loads in init, and the stop hook persists offsets', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-meta-plugin-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  t.deepEqual(plugin.manifest.provides, [METADATA]);

  const first = await register(dataDir);
  t.deepEqual([...first.provided.keys()], [METADATA.symbol]);
  if (first.store === undefined) return t.fail('METADATA not provided');
  t.throws(() => first.store?.listTopics(), { message: /before init/ });
  await first.hooks.init?.();
  await first.store.putTopic(topicConfig('A'));
  first.store.commitOffset('g', 'A', 0, 9);
  await first.hooks.stop?.(0);
  t.deepEqual(await readdir(dataDir), ['metadata']);

  const second = await register(dataDir);
  await second.hooks.init?.();
  t.teardown(() => second.hooks.stop?.(0));
  t.deepEqual(second.store?.getTopic('A'), topicConfig('A'));
  t.is(second.store?.queryOffset('g', 'A', 0), 9);
});
