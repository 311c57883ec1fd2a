import { pino } from 'pino';
import type { z } from 'zod';
import type { Plugin, PluginContext, PluginHooks } from '../../kernel/plugin.js';
import { systemClock } from '../../kernel/services.js';
import type { Token } from '../../kernel/tokens.js';

export interface RegisteredPlugin {
  readonly hooks: PluginHooks;
  /** What the plugin provided, by token symbol. */
  readonly provided: Map<symbol, unknown>;
  get<T>(token: Token<T>): T | undefined;
}

/**
 * Register a plugin with a minimal context (no kernel): its slice parsed by its own schema, a silent
 * logger, and no other plugins to resolve. For plugins that require nothing.
 */
export async function registerAlone<S extends z.ZodType>(plugin: Plugin<S>, dataDir: string, slice: unknown = {}): Promise<RegisteredPlugin> {
  const provided = new Map<symbol, unknown>();
  const ctx: PluginContext<z.output<S>> = {
    config: plugin.manifest.config.parse(slice),
    logger: pino({ level: 'silent' }),
    kernel: { dataDir, brokerName: 'b', clusterName: 'c', advertisedHost: '127.0.0.1', advertisedPort: 10911 },
    clock: systemClock,
    provide: <T>(token: Token<T>, value: T) => void provided.set(token.symbol, value),
    resolve: <T>(token: Token<T>): T => {
      throw new Error(`unexpected resolve of ${token.description}`);
    },
    resolveOptional: () => undefined,
  };
  const hooks: PluginHooks = (await plugin.register(ctx)) ?? {};
  return { hooks, provided, get: <T>(token: Token<T>) => provided.get(token.symbol) as T | undefined };
}
