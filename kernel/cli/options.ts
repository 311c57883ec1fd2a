import type { Command } from 'commander';
import type { ConfigFlags, ConfigSources } from '../config/layers.js';

/** The config flags every config-reading command takes. */
export interface ConfigOptions {
  readonly config?: string;
  readonly dataDir?: string;
  readonly logLevel?: string;
  readonly set: string[];
  readonly load?: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

export function withConfigOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (over config/default.json, under COMETMQ_* env and flags)')
    .option('--data-dir <dir>', 'data directory (config dataDir, env COMETMQ_DATA_DIR)')
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent')
    .option('--set <path=value>', 'set any config key, e.g. plugins.flush-sync.flushTimeoutMs=100 (repeatable)', collect, [])
    .option('--load <plugins>', 'comma-separated plugin names or module paths (replaces config load)', list);
}

/** Config sources for the kernel from parsed flags and this process's environment. */
export function sourcesFrom(opts: ConfigOptions, env: NodeJS.ProcessEnv, cwd: string): ConfigSources {
  const flags: ConfigFlags = {
    ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
    ...(opts.logLevel === undefined ? {} : { logLevel: opts.logLevel }),
    ...(opts.load === undefined ? {} : { load: opts.load }),
    set: opts.set,
  };
  return { ...(opts.config === undefined ? {} : { file: opts.config }), env, flags, cwd };
}
