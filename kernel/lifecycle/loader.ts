import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CometError } from '../errors.js';
import { importBuiltin, isBuiltinPlugin } from '../builtin.js';
import { isPluginPath } from '../config/layers.js';
import type { Plugin } from '../plugin.js';

/** A plugin plus where it came from (for messages). */
export interface LoadedPlugin {
  readonly plugin: Plugin;
  /** The `load` entry: a built-in name, an absolute module path, or `(object)` for plugins passed in code. */
  readonly source: string;
}

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Load every entry of `load`: a built-in name, or a module path resolved against `baseDir`. */
export async function loadPlugins(entries: readonly string[], baseDir: string): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  for (const entry of entries) out.push(await loadPlugin(entry, baseDir));
  return out;
}

export async function loadPlugin(entry: string, baseDir: string): Promise<LoadedPlugin> {
  if (isPluginPath(entry)) {
    const file = await resolveModuleFile(path.resolve(baseDir, entry));
    const mod = await importModule(file, entry);
    return { plugin: pluginFromModule(mod, file), source: file };
  }
  if (!isBuiltinPlugin(entry)) {
    throw new CometError('PLUGIN_NOT_FOUND', `plugin "${entry}" is not built in and is not a module path (use ./path for a file)`);
  }
  const mod = await importModule(entry, entry, () => importBuiltin(entry));
  return { plugin: pluginFromModule(mod, entry), source: entry };
}

async function resolveModuleFile(abs: string): Promise<string> {
  const info = await stat(abs).catch(() => undefined);
  if (info?.isFile()) return abs;
  if (info?.isDirectory()) {
    for (const index of ['index.js', 'index.mjs', 'index.ts', 'index.mts']) {
      const candidate = path.join(abs, index);
      if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
    }
  }
  throw new CometError('PLUGIN_NOT_FOUND', `plugin module not found: ${abs}`);
}

async function importModule(target: string, entry: string, load?: () => Promise<unknown>): Promise<unknown> {
  try {
    return await (load ? load() : import(pathToFileURL(target).href));
  } catch (e) {
    const missing = (e as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(load ? `plugins/${entry}/` : target);
    throw missing
      ? new CometError('PLUGIN_NOT_FOUND', `plugin "${entry}" could not be found`, { cause: e })
      : new CometError('PLUGIN_INVALID', `plugin "${entry}" failed to load: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** The module's default export, else its named `plugin` export, checked to be a Plugin. */
export function pluginFromModule(mod: unknown, source: string): Plugin {
  const m = (mod ?? {}) as { default?: unknown; plugin?: unknown };
  const candidate = isPluginLike(m.default) ? m.default : m.plugin;
  return checkPlugin(candidate, source);
}

function isPluginLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'manifest' in v && 'register' in v;
}

/** Check a plugin object's shape (not its dependencies: that is the graph's job). */
export function checkPlugin(candidate: unknown, source: string): Plugin {
  const bad = (why: string): CometError => new CometError('PLUGIN_INVALID', `${source}: ${why}`);
  if (!isPluginLike(candidate)) throw bad('exports no plugin (default export or `plugin` with manifest + register)');
  const p = candidate as Plugin;
  const m = p.manifest as Partial<Plugin['manifest']> | undefined;
  if (typeof p.register !== 'function') throw bad('register is not a function');
  if (!m || typeof m.name !== 'string' || !NAME.test(m.name)) throw bad('manifest.name must be kebab-case');
  if (typeof m.version !== 'string' || m.version === '') throw bad(`plugin ${m.name}: manifest.version is missing`);
  for (const field of ['provides', 'requires', 'optional'] as const) {
    const list: unknown = m[field] ?? [];
    if (!Array.isArray(list) || !list.every(isToken)) throw bad(`plugin ${m.name}: manifest.${field} must be a list of tokens`);
  }
  const schema = m.config as { safeParse?: unknown } | undefined;
  if (!schema || typeof schema.safeParse !== 'function') throw bad(`plugin ${m.name}: manifest.config must be a zod schema`);
  return p;
}

function isToken(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { symbol?: unknown }).symbol === 'symbol';
}
