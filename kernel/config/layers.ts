import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { CometError } from '../errors.js';
import { matchEnvPath, parseEnv, type EnvEntry } from './env.js';
import { coerceText, schemaAt } from './shape.js';

export type RawObject = Record<string, unknown>;

/** CLI flags that map onto config keys. */
export interface ConfigFlags {
  readonly dataDir?: string;
  readonly logLevel?: string;
  readonly load?: readonly string[];
  /** `path=value` items from repeated `--set`, e.g. `plugins.flush-sync.flushTimeoutMs=100`. */
  readonly set?: readonly string[];
}

/**
 * Where config comes from, lowest precedence first:
 * defaults (config/default.json) < file (`--config`) < values (programmatic) < env (`COMETMQ_*`) < flags.
 */
export interface ConfigSources {
  /** Default: the package's config/default.json. */
  readonly defaults?: RawObject;
  /** A JSON file (`--config FILE`); relative plugin paths in its `load` resolve against its folder. */
  readonly file?: string;
  /** Programmatic values (embedding, tests). */
  readonly values?: RawObject;
  /** Default: none. The CLI passes process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly flags?: ConfigFlags;
  /** Base for relative dataDir and plugin paths outside the file. Default: process.cwd(). */
  readonly cwd?: string;
}

export interface ConfigLayers {
  readonly defaults: RawObject;
  readonly file: RawObject;
  readonly values: RawObject;
  readonly env: readonly EnvEntry[];
  readonly flags: ConfigFlags;
  readonly cwd: string;
}

/** A `load` entry that names a module path rather than a built-in plugin. */
export function isPluginPath(entry: string): boolean {
  return /^[./~]/.test(entry) || entry.includes('/') || entry.includes('\\') || /\.(m|c)?[jt]s$/.test(entry);
}

/** The package root (the folder holding cometmq's package.json), from source or from dist/. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'config'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export function readJsonObject(file: string): RawObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CometError('CONFIG_FILE_UNREADABLE', `config file ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!isPlainObject(parsed)) throw new CometError('CONFIG_FILE_UNREADABLE', `config file ${file}: expected a JSON object`);
  return parsed;
}

export function readLayers(sources: ConfigSources = {}): ConfigLayers {
  const cwd = path.resolve(sources.cwd ?? process.cwd());
  const defaults = sources.defaults ?? readJsonObject(path.join(packageRoot(), 'config', 'default.json'));
  let file: RawObject = {};
  if (sources.file !== undefined) {
    const abs = path.resolve(cwd, sources.file);
    file = withAbsoluteLoadPaths(readJsonObject(abs), path.dirname(abs));
  }
  return { defaults, file, values: sources.values ?? {}, env: parseEnv(sources.env ?? {}), flags: sources.flags ?? {}, cwd };
}

function withAbsoluteLoadPaths(obj: RawObject, dir: string): RawObject {
  if (!Array.isArray(obj.load)) return obj;
  const load = obj.load.map((e: unknown) => (typeof e === 'string' && isPluginPath(e) ? path.resolve(dir, e) : e));
  return { ...obj, load };
}

export interface Merged {
  readonly raw: RawObject;
  /** Problems found while merging (bad `--set`, unmatched env variables), as `where: what`. */
  readonly issues: readonly string[];
  readonly unknownEnv: readonly string[];
}

/** Merge every layer into one raw object; env variables and `--set` values are matched/coerced through `schema`. */
export function mergeLayers(layers: ConfigLayers, schema: z.ZodType): Merged {
  const raw = deepMerge(deepMerge(deepMerge({}, layers.defaults), layers.file), layers.values);
  const issues: string[] = [];
  const unknownEnv: string[] = [];
  for (const entry of layers.env) {
    const keyPath = matchEnvPath(schema, entry.levels);
    if (!keyPath) {
      unknownEnv.push(entry.name);
      issues.push(`env ${entry.name}: names no known config key`);
      continue;
    }
    setPath(raw, keyPath, coerceText(entry.text, schemaAt(schema, keyPath)));
  }
  applyFlags(raw, layers.flags, schema, issues);
  return { raw, issues, unknownEnv };
}

function applyFlags(raw: RawObject, flags: ConfigFlags, schema: z.ZodType, issues: string[]): void {
  if (flags.dataDir !== undefined) setPath(raw, ['dataDir'], flags.dataDir);
  if (flags.logLevel !== undefined) setPath(raw, ['log', 'level'], flags.logLevel);
  if (flags.load !== undefined) setPath(raw, ['load'], [...flags.load]);
  for (const item of flags.set ?? []) {
    const eq = item.indexOf('=');
    const keyPath = eq > 0 ? item.slice(0, eq).split('.') : [];
    if (keyPath.length === 0 || keyPath.some((k) => k === '' || FORBIDDEN_KEYS.has(k))) {
      issues.push(`--set ${item}: expected path=value`);
      continue;
    }
    setPath(raw, keyPath, coerceText(item.slice(eq + 1), schemaAt(schema, keyPath)));
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(v: unknown): v is RawObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else (arrays included) replaces. Inputs are not modified. */
export function deepMerge(target: RawObject, source: RawObject): RawObject {
  const out: RawObject = { ...target };
  for (const [k, v] of Object.entries(source)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function setPath(obj: RawObject, keyPath: readonly string[], value: unknown): void {
  let node = obj;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    if (isPlainObject(next)) {
      node[key] = { ...next };
    } else {
      node[key] = {};
    }
    node = node[key] as RawObject;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}
