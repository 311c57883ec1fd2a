import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Token } from './tokens.js';
import type { Clock, KernelInfo } from './services.js';

/**
 * What a plugin declares about itself. Boot reads only manifests to check providers, cycles and
 * config before any plugin code runs.
 */
export interface PluginManifest<S extends z.ZodType = z.ZodType> {
  /** Unique, kebab-case (`store-commitlog`). Also the key of its config slice: `plugins.<name>`. */
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  /** Tokens this plugin registers in register(). Boot fails if one is missing afterwards. */
  readonly provides: readonly Token<unknown>[];
  /** Tokens that must be provided by another loaded plugin (or the kernel). They register first. */
  readonly requires: readonly Token<unknown>[];
  /** Tokens used when present; if a loaded plugin provides one, that plugin registers first. */
  readonly optional?: readonly Token<unknown>[];
  /** zod schema of this plugin's config slice; defaults fill missing keys. */
  readonly config: S;
}

/** The narrow view of the kernel a plugin gets. */
export interface PluginContext<C> {
  /** This plugin's validated config slice, and nothing else. */
  readonly config: C;
  /** A child of the kernel logger with `{plugin: name}`. */
  readonly logger: Logger;
  readonly kernel: KernelInfo;
  readonly clock: Clock;
  /** Register a provided token's value (only tokens in the manifest's `provides`). */
  provide<T>(token: Token<T>, value: T): void;
  /** Resolve a required token (or a kernel token). Throws for an unknown token. */
  resolve<T>(token: Token<T>): T;
  /** Resolve an optional token: undefined when no loaded plugin provides it. */
  resolveOptional<T>(token: Token<T>): T | undefined;
}

/** Lifecycle hooks returned by register(). All optional; each may be async. */
export interface PluginHooks {
  /** Open files, recover state. Runs in dependency order after every plugin registered. */
  init?(): Promise<void> | void;
  /** Begin serving (doors listen here). Runs in dependency order after every init. */
  start?(): Promise<void> | void;
  /**
   * Stop: called in reverse dependency order. Doors stop accepting and drain; stores flush and close.
   * `deadline` is a monotonic time (Clock.monotonic) by which the whole shutdown must finish.
   */
  stop?(deadline: number): Promise<void> | void;
}

export interface Plugin<S extends z.ZodType = z.ZodType> {
  readonly manifest: PluginManifest<S>;
  /** Register provided tokens; may resolve required tokens; returns lifecycle hooks. */
  register(ctx: PluginContext<z.output<S>>): PluginHooks | void | Promise<PluginHooks | void>;
}

/** Identity helper that keeps the config type flowing from the schema into register(). */
export function definePlugin<S extends z.ZodType>(plugin: Plugin<S>): Plugin<S> {
  return plugin;
}
