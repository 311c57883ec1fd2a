import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import type { KernelConfig } from '../config/schema.js';
import { CometError, isCometError } from '../errors.js';
import type { Plugin } from '../plugin.js';
import type { Clock, KernelInfo } from '../services.js';
import type { Token } from '../tokens.js';
import { createPluginContext } from './context.js';
import type { PluginEntry } from './hooks.js';

export interface RegisterDeps {
  readonly config: KernelConfig;
  readonly rootLogger: Logger;
  readonly kernel: KernelInfo;
  readonly clock: Clock;
  readonly container: DependencyContainer;
  readonly kernelTokens: ReadonlySet<symbol>;
}

/**
 * Call every plugin's register() in boot order, each with its own context and config slice, and
 * check that it provided every token it declared (PLUGIN_PROVIDE_NOT_REGISTERED).
 */
export async function registerPlugins(order: readonly Plugin[], deps: RegisterDeps): Promise<{ entries: PluginEntry[]; tokens: Token<unknown>[] }> {
  const entries: PluginEntry[] = [];
  const tokens: Token<unknown>[] = [];
  for (const plugin of order) {
    const name = plugin.manifest.name;
    let registering = true;
    const ctx = createPluginContext({ ...deps, plugin, config: deps.config.plugins[name], registering: () => registering });
    let hooks;
    try {
      hooks = (await plugin.register(ctx)) ?? {};
    } catch (e) {
      if (isContextError(e)) throw e;
      throw new CometError('PLUGIN_HOOK_FAILED', `plugin ${name} failed in register: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        details: { plugin: name, phase: 'register' },
      });
    } finally {
      registering = false;
    }
    const missing = plugin.manifest.provides.filter((t) => !ctx.provided.has(t.symbol));
    if (missing.length > 0) {
      const list = missing.map((t) => t.description).join(', ');
      throw new CometError('PLUGIN_PROVIDE_NOT_REGISTERED', `plugin ${name} declares ${list} in provides but did not register it`, {
        details: { plugin: name, tokens: missing.map((t) => t.description) },
      });
    }
    tokens.push(...plugin.manifest.provides);
    entries.push({ name, hooks });
  }
  return { entries, tokens };
}

/** Errors the plugin context raised (undeclared token, provide twice…) keep their own code. */
function isContextError(e: unknown): boolean {
  return isCometError(e) && (e.code.startsWith('PLUGIN_') || e.code === 'KERNEL_STATE');
}
