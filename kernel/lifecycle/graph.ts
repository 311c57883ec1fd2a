import { CometError } from '../errors.js';
import type { Plugin } from '../plugin.js';
import type { Token } from '../tokens.js';

export const KERNEL_PROVIDER = 'kernel';

/** Which plugin (or the kernel) provides each token. */
export type Providers = ReadonlyMap<symbol, string>;

/**
 * Check the plugin graph from manifests alone and return the plugins in boot order: every plugin
 * after the providers of the tokens it requires or optionally uses (ties keep `load` order).
 * Throws PLUGIN_DUPLICATE, PLUGIN_DUPLICATE_PROVIDER, PLUGIN_MISSING_PROVIDER or PLUGIN_CYCLE.
 */
export function planBoot(plugins: readonly Plugin[], kernelTokens: readonly Token<unknown>[]): { order: Plugin[]; providers: Providers } {
  checkNames(plugins);
  const providers = mapProviders(plugins, kernelTokens);
  checkMissing(plugins, providers);
  return { order: topologicalOrder(plugins, providers), providers };
}

function checkNames(plugins: readonly Plugin[]): void {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of plugins) (seen.has(p.manifest.name) ? dups : seen).add(p.manifest.name);
  if (dups.size > 0) {
    throw new CometError('PLUGIN_DUPLICATE', `plugins loaded more than once: ${[...dups].join(', ')}`, { details: { plugins: [...dups] } });
  }
}

function mapProviders(plugins: readonly Plugin[], kernelTokens: readonly Token<unknown>[]): Map<symbol, string> {
  const providers = new Map<symbol, string>(kernelTokens.map((t) => [t.symbol, KERNEL_PROVIDER]));
  const clashes: string[] = [];
  for (const p of plugins) {
    for (const t of p.manifest.provides) {
      const other = providers.get(t.symbol);
      if (other !== undefined) clashes.push(`${t.description} is provided by both ${other} and ${p.manifest.name}`);
      else providers.set(t.symbol, p.manifest.name);
    }
  }
  if (clashes.length > 0) throw new CometError('PLUGIN_DUPLICATE_PROVIDER', clashes.join('; '), { details: { clashes } });
  return providers;
}

function checkMissing(plugins: readonly Plugin[], providers: Providers): void {
  const missing: { plugin: string; token: string }[] = [];
  for (const p of plugins) {
    for (const t of p.manifest.requires) {
      if (!providers.has(t.symbol)) missing.push({ plugin: p.manifest.name, token: t.description });
    }
  }
  if (missing.length === 0) return;
  const text = missing.map((m) => `plugin ${m.plugin} requires ${m.token}, which no loaded plugin provides`).join('; ');
  throw new CometError('PLUGIN_MISSING_PROVIDER', text, { details: { missing } });
}

/** Names of the plugins `p` must come after (providers of its required and present optional tokens). */
export function dependenciesOf(p: Plugin, providers: Providers): string[] {
  const deps: string[] = [];
  for (const t of [...p.manifest.requires, ...(p.manifest.optional ?? [])]) {
    const by = providers.get(t.symbol);
    if (by !== undefined && by !== KERNEL_PROVIDER && by !== p.manifest.name && !deps.includes(by)) deps.push(by);
  }
  return deps;
}

function topologicalOrder(plugins: readonly Plugin[], providers: Providers): Plugin[] {
  const byName = new Map(plugins.map((p) => [p.manifest.name, p]));
  const done = new Set<string>();
  const stack: string[] = [];
  const order: Plugin[] = [];
  const visit = (p: Plugin): void => {
    const name = p.manifest.name;
    if (done.has(name)) return;
    const at = stack.indexOf(name);
    if (at >= 0) {
      const cycle = [...stack.slice(at), name];
      throw new CometError('PLUGIN_CYCLE', `plugin dependency cycle: ${cycle.join(' → ')}`, { details: { cycle } });
    }
    stack.push(name);
    for (const dep of dependenciesOf(p, providers)) visit(byName.get(dep)!);
    stack.pop();
    done.add(name);
    order.push(p);
  };
  for (const p of plugins) visit(p);
  return order;
}
