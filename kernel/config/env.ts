import type { z } from 'zod';
import { objectShape } from './shape.js';

export const ENV_PREFIX = 'COMETMQ_';

/** One `COMETMQ_*` variable split into its levels (`__` between levels). */
export interface EnvEntry {
  readonly name: string;
  readonly levels: readonly string[];
  readonly text: string;
}

export function parseEnv(env: Readonly<Record<string, string | undefined>>): EnvEntry[] {
  const entries: EnvEntry[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (text === undefined || !name.toUpperCase().startsWith(ENV_PREFIX)) continue;
    const levels = name.slice(ENV_PREFIX.length).split('__');
    entries.push({ name, levels, text });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** `DATA_DIR`, `dataDir` and `data-dir` all normalise to `datadir`. */
export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/**
 * Match an env entry's levels against the known keys of `root`, level by level, case-insensitively
 * and ignoring `_`/`-`. Returns the real key path, or undefined when some level matches nothing.
 */
export function matchEnvPath(root: z.ZodType, levels: readonly string[]): string[] | undefined {
  const path: string[] = [];
  let schema: z.ZodType | undefined = root;
  for (const level of levels) {
    const shape: Readonly<Record<string, z.ZodType>> | undefined = schema ? objectShape(schema) : undefined;
    if (!shape || level === '') return undefined;
    const wanted = normaliseKey(level);
    const key: string | undefined = Object.keys(shape).find((k) => normaliseKey(k) === wanted);
    if (key === undefined) return undefined;
    path.push(key);
    schema = shape[key];
  }
  return path.length > 0 ? path : undefined;
}
