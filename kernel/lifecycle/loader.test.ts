import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { CometError } from '../errors.js';
import { loadPlugin, pluginFromModule } from './loader.js';

test('an unknown built-in name is PLUGIN_NOT_FOUND', async (t) => {
  const e = await t.throwsAsync<CometError>(loadPlugin('no-such-plugin', process.cwd()));
  t.is(e?.code, 'PLUGIN_NOT_FOUND');
});

test('a missing module path is PLUGIN_NOT_FOUND', async (t) => {
  const e = await t.throwsAsync<CometError>(loadPlugin('./nowhere/plugin.js', os.tmpdir()));
  t.is(e?.code, 'PLUGIN_NOT_FOUND');
});

test('a module without a plugin export, or a bad manifest, is PLUGIN_INVALID', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-loader-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
  await writeFile(path.join(dir, 'throws.mjs'), 'throw new Error("boom at import");\n');
  t.is((await t.throwsAsync<CometError>(loadPlugin(path.join(dir, 'empty.mjs'), dir)))?.code, 'PLUGIN_INVALID');
  const thrown = await t.throwsAsync<CometError>(loadPlugin('./throws.mjs', dir));
  t.is(thrown?.code, 'PLUGIN_INVALID');
  t.regex(thrown?.message ?? '', /boom at import/);
  const bad = { manifest: { name: 'Bad Name', version: '1', provides: [], requires: [], config: { safeParse: () => 0 } }, register: () => undefined };
  t.regex(t.throws<CometError>(() => pluginFromModule({ default: bad }, 'x'))?.message ?? '', /kebab-case/);
  const noSchema = { manifest: { name: 'ok', version: '1', provides: [], requires: [] }, register: () => undefined };
  t.regex(t.throws<CometError>(() => pluginFromModule({ plugin: noSchema }, 'x'))?.message ?? '', /zod schema/);
});
