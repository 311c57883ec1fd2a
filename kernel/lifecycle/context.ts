import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import { CometError } from '../errors.js';
import type { Plugin, PluginContext } from '../plugin.js';
import type { Clock, KernelInfo } from '../services.js';
import { registerValue, type Token } from '../tokens.js';

export interface ContextDeps {
  readonly plugin: Plugin;
  /** The plugin's validated slice. */
  readonly config: unknown;
  readonly rootLogger: Logger;
  readonly kernel: KernelInfo;
  readonly clock: Clock;
  readonly container: DependencyContainer;
  /** Tokens the kernel itself registers (always resolvable). */
  readonly kernelTokens: ReadonlySet<symbol>;
  /** provide() is only legal while this plugin registers. */
  readonly registering: () => boolean;
}

export interface KernelPluginContext extends PluginContext<unknown> {
  /** Tokens this plugin has provided so far. */
  readonly provided: ReadonlySet<symbol>;
}

/** The narrow, checked view of the kernel one plugin gets (see PluginContext). */
export function createPluginContext(deps: ContextDeps): KernelPluginContext {
  const { plugin, container } = deps;
  const name = plugin.manifest.name;
  const declaredProvides = new Set(plugin.manifest.provides.map((t) => t.symbol));
  const resolvable = new Set<symbol>([
    ...deps.kernelTokens,
    ...declaredProvides,
    ...plugin.manifest.requires.map((t) => t.symbol),
    ...(plugin.manifest.optional ?? []).map((t) => t.symbol),
  ]);
  const provided = new Set<symbol>();

  const checkResolvable = (t: Token<unknown>): void => {
    if (!resolvable.has(t.symbol)) {
      throw new CometError('PLUGIN_TOKEN_UNDECLARED', `plugin ${name} resolved ${t.description}, which its manifest does not require or list as optional`);
    }
  };

  return {
    config: deps.config,
    logger: deps.rootLogger.child({ plugin: name }),
    kernel: deps.kernel,
    clock: deps.clock,
    provided,
    provide<T>(t: Token<T>, value: T): void {
      if (!deps.registering()) throw new CometError('KERNEL_STATE', `plugin ${name} called provide(${t.description}) outside register()`);
      if (!declaredProvides.has(t.symbol)) {
        throw new CometError('PLUGIN_TOKEN_UNDECLARED', `plugin ${name} provided ${t.description}, which its manifest does not list in provides`);
      }
      if (provided.has(t.symbol)) throw new CometError('PLUGIN_DUPLICATE_PROVIDER', `plugin ${name} provided ${t.description} twice`);
      registerValue(container, t, value);
      provided.add(t.symbol);
    },
    resolve<T>(t: Token<T>): T {
      checkResolvable(t);
      if (!container.isRegistered(t.symbol, true)) {
        throw new CometError('PLUGIN_MISSING_PROVIDER', `plugin ${name} resolved ${t.description}, which no loaded plugin provides`);
      }
      return container.resolve<T>(t.symbol);
    },
    resolveOptional<T>(t: Token<T>): T | undefined {
      checkResolvable(t);
      return container.isRegistered(t.symbol, true) ? container.resolve<T>(t.symbol) : undefined;
    },
  };
}
