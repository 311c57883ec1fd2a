import { z } from 'zod';
import { definePlugin, type Plugin, type PluginContext, type PluginHooks } from '../../kernel/plugin.js';
import { token, type Token } from '../../kernel/tokens.js';

/** What fixture plugins provide: a value naming its provider. */
export interface Provided {
  readonly from: string;
}

export const T_A = token<Provided>('test:A');
export const T_B = token<Provided>('test:B');
export const T_C = token<Provided>('test:C');
export const T_D = token<Provided>('test:D');

export type FixturePhase = 'register' | 'init' | 'start' | 'stop';

export interface FixtureSpec {
  readonly name: string;
  readonly provides?: readonly Token<Provided>[];
  readonly requires?: readonly Token<unknown>[];
  readonly optional?: readonly Token<unknown>[];
  readonly config?: z.ZodType;
  /** Shared event log: `<name>:<phase>` pushed as each hook runs. */
  readonly events?: string[];
  /** Throw in this phase. */
  readonly failIn?: FixturePhase;
  /** Skip provide() for these tokens (to provoke PLUGIN_PROVIDE_NOT_REGISTERED). */
  readonly skipProvide?: readonly Token<Provided>[];
  /** Extra work at register (after provides); receives the context. */
  readonly onRegister?: (ctx: PluginContext<unknown>) => void;
  /** Replaces the stop hook (e.g. one that never resolves). */
  readonly stop?: (deadline: number) => Promise<void> | void;
}

/** A small plugin that records its lifecycle and provides `{from: name}` for each declared token. */
export function fixturePlugin(spec: FixtureSpec): Plugin {
  const events = spec.events ?? [];
  const hit = (phase: FixturePhase): void => {
    events.push(`${spec.name}:${phase}`);
    if (spec.failIn === phase) throw new Error(`${spec.name} fails in ${phase}`);
  };
  return definePlugin({
    manifest: {
      name: spec.name,
      version: '0.0.0',
      provides: spec.provides ?? [],
      requires: spec.requires ?? [],
      optional: spec.optional ?? [],
      config: spec.config ?? z.object({}).strict(),
    },
    register(ctx): PluginHooks {
      hit('register');
      for (const t of spec.provides ?? []) if (!spec.skipProvide?.includes(t)) ctx.provide(t, { from: spec.name });
      spec.onRegister?.(ctx as PluginContext<unknown>);
      return {
        init: () => hit('init'),
        start: () => hit('start'),
        stop: spec.stop ?? (() => hit('stop')),
      };
    },
  });
}

/** Names of the events of one phase, in order. */
export function phase(events: readonly string[], p: FixturePhase): string[] {
  return events.filter((e) => e.endsWith(`:${p}`)).map((e) => e.slice(0, e.lastIndexOf(':')));
}
