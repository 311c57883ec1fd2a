import type { z } from 'zod';
import { readLayers, type ConfigSources } from '../config/layers.js';
import { resolveBootstrap, resolveConfig, type Bootstrap } from '../config/resolve.js';
import type { KernelConfig } from '../config/schema.js';
import { CometError } from '../errors.js';
import type { Plugin } from '../plugin.js';
import { checkPlugin, loadPlugins, type LoadedPlugin } from './loader.js';

export interface Prepared {
  readonly loaded: readonly LoadedPlugin[];
  readonly config: KernelConfig;
}

/**
 * The first boot phases, shared by the kernel and `cometmq config print`: read the config layers,
 * load every plugin module named in `load` (plus `extra` objects), then validate the whole config
 * (kernel keys + each plugin's slice) in one pass. `onBootstrap` sees the load list and log settings
 * before any plugin module is imported.
 */
export async function prepare(sources: ConfigSources | undefined, extra: readonly Plugin[], onBootstrap?: (boot: Bootstrap) => void): Promise<Prepared> {
  const layers = readLayers(sources);
  const boot = resolveBootstrap(layers);
  onBootstrap?.(boot);
  const loaded = await loadPlugins(boot.load, layers.cwd);
  for (const p of extra) loaded.push({ plugin: checkPlugin(p, '(object)'), source: '(object)' });
  const slices = new Map<string, z.ZodType>();
  for (const { plugin } of loaded) {
    const name = plugin.manifest.name;
    if (slices.has(name)) throw new CometError('PLUGIN_DUPLICATE', `plugins loaded more than once: ${name}`, { details: { plugins: [name] } });
    slices.set(name, plugin.manifest.config);
  }
  return { loaded, config: resolveConfig(layers, slices) };
}
