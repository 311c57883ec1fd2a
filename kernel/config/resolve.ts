import path from 'node:path';
import type { z } from 'zod';
import { CometError } from '../errors.js';
import { redactFields } from '../logger.js';
import { isPlainObject, mergeLayers, type ConfigLayers } from './layers.js';
import { composeSchema, kernelConfigSchema, loadSchema, logConfigSchema, type KernelConfig } from './schema.js';

/** One line per problem: `plugins.store-commitlog.segmentBytes: expected number, received string`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const where = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${where === '' ? key : `${where}.${key}`}: unknown key`);
      continue;
    }
    const what = issue.message.replace(/^Invalid (input|option): /, '');
    lines.push(`${where === '' ? '(root)' : where}: ${what}`);
  }
  return lines;
}

function invalid(issues: readonly string[], unknownEnv: readonly string[] = []): CometError {
  const onlyEnv = issues.length > 0 && issues.length === unknownEnv.length;
  const code = onlyEnv ? 'CONFIG_ENV_UNKNOWN' : 'CONFIG_INVALID';
  const head = onlyEnv ? 'unknown COMETMQ_* environment variables' : `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'})`;
  return new CometError(code, `${head}:\n  ${issues.join('\n  ')}`, { details: { issues: [...issues] } });
}

export interface Bootstrap {
  /** Plugin names or paths, as configured. */
  readonly load: readonly string[];
  readonly log: z.output<typeof logConfigSchema>;
}

/**
 * What the kernel needs before any plugin is loaded: the `load` list and the log settings.
 * Env variables under `plugins.*` cannot be matched yet (their keys come from plugin schemas); they
 * are checked by resolveConfig once plugins are loaded.
 */
export function resolveBootstrap(layers: ConfigLayers): Bootstrap {
  const merged = mergeLayers(layers, kernelConfigSchema);
  const parsed = kernelConfigSchema.safeParse(merged.raw);
  const knownIssues = merged.issues.filter((i) => !i.startsWith('env '));
  if (parsed.success) return { load: parsed.data.load, log: parsed.data.log };
  const issues = formatIssues(parsed.error.issues);
  if (issues.some((i) => i.startsWith('load'))) throw invalid([...knownIssues, ...issues]);
  const log = logConfigSchema.safeParse(merged.raw.log ?? {});
  const load = loadSchema.parse(merged.raw.load);
  return { load, log: log.success ? log.data : { level: 'info' } };
}

/**
 * The effective config: every layer merged, env matched against the kernel schema plus each loaded
 * plugin's slice schema, then validated in one pass so every bad key is reported together.
 */
export function resolveConfig(layers: ConfigLayers, slices: ReadonlyMap<string, z.ZodType>): KernelConfig {
  const schema = composeSchema(slices);
  const merged = mergeLayers(layers, schema);
  const raw = { ...merged.raw };
  if (raw.plugins === undefined || isPlainObject(raw.plugins)) {
    const plugins = { ...raw.plugins };
    for (const name of slices.keys()) plugins[name] ??= {};
    raw.plugins = plugins;
  }
  const parsed = schema.safeParse(raw);
  const issues = [...merged.issues, ...(parsed.success ? [] : formatIssues(parsed.error.issues))];
  if (issues.length > 0 || !parsed.success) throw invalid(issues, merged.unknownEnv);
  const config = parsed.data as KernelConfig;
  return { ...config, dataDir: path.resolve(layers.cwd, config.dataDir) };
}

/** Replace credential-like values (password, secret, token, accessKeySecret, …) for printing. */
export function redact(value: unknown): unknown {
  return redactFields(value, 0);
}
