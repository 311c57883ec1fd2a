import 'reflect-metadata';
import { randomInt } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { container as tsyringeRoot, type DependencyContainer } from 'tsyringe';
import type { ConfigSources } from './config/layers.js';
import type { KernelConfig } from './config/schema.js';
import { CometError, assert } from './errors.js';
import { createDoorRegistry } from './lifecycle/doors.js';
import { planBoot } from './lifecycle/graph.js';
import { runPhase, stopDoors, stopPlugins, type PluginEntry } from './lifecycle/hooks.js';
import { prepare, type Prepared } from './lifecycle/prepare.js';
import { registerPlugins } from './lifecycle/register.js';
import { StateMachine, type KernelState, type StateChange } from './lifecycle/state.js';
import { createLogger } from './logger.js';
import type { Door, DoorRegistry } from './messaging/door.js';
import type { Plugin } from './plugin.js';
import { seededRandom, systemClock, type Clock, type KernelInfo, type Random } from './services.js';
import { CLOCK, DOOR_REGISTRY, KERNEL_INFO, LOGGER, METER, RANDOM, registerValue, type Token } from './tokens.js';

/** Tokens the kernel registers itself; every plugin may resolve them. */
export const KERNEL_TOKENS: readonly Token<unknown>[] = Object.freeze([LOGGER, CLOCK, RANDOM, KERNEL_INFO, METER, DOOR_REGISTRY]);

export interface KernelOptions {
  /** Config layers (see ConfigSources). Default: config/default.json only. */
  readonly config?: ConfigSources;
  /** Plugin objects booted in addition to config `load` (embedding, tests). */
  readonly plugins?: readonly Plugin[];
  /** Default: systemClock. */
  readonly clock?: Clock;
  /** Default: a seeded PRNG whose seed is logged. */
  readonly random?: Random;
  /** Root logger. Default: pino to stderr at `log.level`. */
  readonly logger?: Logger;
}

/** What a loaded plugin looks like from outside. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  /** Built-in name, absolute module path, or `(object)`. */
  readonly source: string;
}

export interface StopReport {
  readonly reason: string;
  /** The state stop() left the kernel in (`failed` if it never started). */
  readonly state: KernelState;
  /** Steps that did not finish before the deadline. */
  readonly timedOut: readonly string[];
  /** Steps that threw. */
  readonly failed: readonly string[];
}

export interface Kernel {
  readonly state: KernelState;
  /** The effective config (from `registered` on). */
  readonly config: KernelConfig;
  readonly info: KernelInfo;
  readonly logger: Logger;
  /** Loaded plugins in boot order (from `registered` on). */
  readonly plugins: readonly PluginInfo[];
  /** Load, validate, register, init and start every plugin. Rejects with a coded CometError. */
  start(): Promise<void>;
  /** Graceful shutdown; idempotent (every call returns the same promise). */
  stop(reason?: string): Promise<StopReport>;
  resolve<T>(token: Token<T>): T;
  resolveOptional<T>(token: Token<T>): T | undefined;
  /** Every registered token: the kernel's, then each plugin's in boot order. */
  registeredTokens(): readonly Token<unknown>[];
  doors(): readonly Door[];
  onStateChange(listener: (change: StateChange) => void): void;
}

export function createKernel(options: KernelOptions = {}): Kernel {
  return new CometKernel(options);
}

class CometKernel implements Kernel {
  readonly #options: KernelOptions;
  readonly #clock: Clock;
  readonly #sm: StateMachine;
  readonly #doors: DoorRegistry = createDoorRegistry();
  #logger: Logger | undefined;
  #config: KernelConfig | undefined;
  #info: KernelInfo | undefined;
  #container: DependencyContainer | undefined;
  #plugins: PluginInfo[] = [];
  #tokens: Token<unknown>[] = [];
  #entries: PluginEntry[] = [];
  #starting: Promise<void> | undefined;
  #stopping: Promise<StopReport> | undefined;

  constructor(options: KernelOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#sm = new StateMachine(() => this.#clock.monotonic());
    if (options.logger) this.#useLogger(options.logger);
  }

  get state(): KernelState {
    return this.#sm.state;
  }

  get config(): KernelConfig {
    return this.#need(this.#config, 'config');
  }

  get info(): KernelInfo {
    return this.#need(this.#info, 'info');
  }

  get logger(): Logger {
    return this.#need(this.#logger, 'logger');
  }

  get plugins(): readonly PluginInfo[] {
    return [...this.#plugins];
  }

  onStateChange(listener: (change: StateChange) => void): void {
    this.#sm.onChange(listener);
  }

  start(): Promise<void> {
    if (this.state !== 'created') return Promise.reject(new CometError('KERNEL_STATE', `start() called in state ${this.state}; a kernel starts once`));
    this.#starting = this.#boot();
    return this.#starting;
  }

  stop(reason = 'stop requested'): Promise<StopReport> {
    this.#stopping ??= this.#shutdown(reason);
    return this.#stopping;
  }

  resolve<T>(t: Token<T>): T {
    const c = this.#usableContainer();
    if (!c.isRegistered(t.symbol, true)) throw new CometError('PLUGIN_MISSING_PROVIDER', `nothing provides ${t.description}`);
    return c.resolve<T>(t.symbol);
  }

  resolveOptional<T>(t: Token<T>): T | undefined {
    const c = this.#usableContainer();
    return c.isRegistered(t.symbol, true) ? c.resolve<T>(t.symbol) : undefined;
  }

  registeredTokens(): readonly Token<unknown>[] {
    return [...this.#tokens];
  }

  doors(): readonly Door[] {
    return this.#doors.list();
  }

  #need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new CometError('KERNEL_STATE', `kernel ${what} is not available in state ${this.state}`);
    return value;
  }

  #usableContainer(): DependencyContainer {
    const ok = ['registered', 'initializing', 'starting', 'running', 'stopping'].includes(this.state);
    if (!ok || !this.#container) throw new CometError('KERNEL_STATE', `resolve() called in state ${this.state}`);
    return this.#container;
  }

  #useLogger(logger: Logger): void {
    this.#logger = logger;
    this.#sm.useLogger(logger);
  }

  async #boot(): Promise<void> {
    this.#sm.transition('loading');
    const started: PluginEntry[] = [];
    try {
      const { loaded, config } = await this.#load();
      const { order } = planBoot(
        loaded.map((l) => l.plugin),
        KERNEL_TOKENS,
      );
      const sourceOf = new Map(loaded.map((l) => [l.plugin, l.source]));
      this.#plugins = order.map((p) => ({ name: p.manifest.name, version: p.manifest.version, source: sourceOf.get(p) ?? '(object)' }));
      this.#container = this.#createContainer(config);
      const registered = await registerPlugins(order, {
        config,
        rootLogger: this.logger,
        kernel: this.info,
        clock: this.#clock,
        container: this.#container,
        kernelTokens: new Set(KERNEL_TOKENS.map((t) => t.symbol)),
      });
      this.#entries = registered.entries;
      this.#tokens.push(...registered.tokens);
      this.#sm.transition('registered');
      this.#sm.transition('initializing');
      await runPhase('init', this.#entries, this.#clock, this.logger, (e) => started.push(e));
      this.#sm.transition('starting');
      await runPhase('start', this.#entries, this.#clock, this.logger, () => undefined);
      this.#sm.transition('running');
      this.logger.info({ dataDir: this.info.dataDir, plugins: this.#plugins.map((p) => p.name) }, 'kernel running');
    } catch (e) {
      await this.#rollback(started);
      this.#sm.transition('failed');
      this.#logger?.error({ err: e, code: e instanceof CometError ? e.code : 'INTERNAL' }, 'kernel failed to start');
      throw e;
    }
  }

  /** Read config layers, load plugin modules, validate the whole config (kernel + every slice). */
  async #load(): Promise<Prepared> {
    const prepared = await prepare(this.#options.config, this.#options.plugins ?? [], (boot) => {
      if (this.#logger) return;
      // The logger needs config, so the first transition is logged once it exists.
      this.#useLogger(createLogger({ level: boot.log.level, pretty: boot.log.pretty ?? process.stderr.isTTY === true }));
      this.logger.info({ from: 'created', to: 'loading' }, 'kernel created → loading');
    });
    const config = prepared.config;
    this.#config = config;
    const { dataDir, brokerName, clusterName, advertisedHost } = config;
    const advertisedPort = resolveAdvertisedPort(config);
    this.#info = Object.freeze({ dataDir, brokerName, clusterName, advertisedHost, advertisedPort });
    return prepared;
  }

  #createContainer(config: KernelConfig): DependencyContainer {
    // One container per kernel: a child of tsyringe's root that nothing else registers into.
    const c = tsyringeRoot.createChildContainer();
    let random = this.#options.random;
    if (!random) {
      const seed = randomInt(2 ** 31);
      this.logger.debug({ seed }, 'random seed');
      random = seededRandom(seed);
    }
    registerValue(c, LOGGER, this.logger);
    registerValue(c, CLOCK, this.#clock);
    registerValue(c, RANDOM, random);
    registerValue(c, KERNEL_INFO, this.info);
    registerValue(c, METER, metrics.getMeter('cometmq'));
    registerValue(c, DOOR_REGISTRY, this.#doors);
    assert(config.dataDir === this.info.dataDir, 'kernel info matches config');
    this.#tokens = [...KERNEL_TOKENS];
    return c;
  }

  /** After a failed init/start: stop the plugins whose init finished, in reverse order. */
  async #rollback(started: readonly PluginEntry[]): Promise<void> {
    if (started.length === 0 || !this.#logger) return;
    const deadline = this.#clock.monotonic() + (this.#config?.shutdownTimeoutMs ?? 10000);
    this.logger.warn({ plugins: started.map((e) => e.name) }, 'start failed; stopping plugins that already initialised');
    await stopPlugins([...started].reverse(), deadline, this.#clock, this.logger);
  }

  async #shutdown(reason: string): Promise<StopReport> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    if (this.state === 'failed') return { reason, state: 'failed', timedOut: [], failed: [] };
    const t0 = this.#clock.monotonic();
    this.#sm.transition('stopping');
    this.#logger?.info({ reason }, `kernel stopping: ${reason}`);
    let report: StopReport = { reason, state: 'stopped', timedOut: [], failed: [] };
    if (this.#entries.length > 0 || this.#doors.list().length > 0) {
      const deadline = t0 + this.config.shutdownTimeoutMs;
      const doors = await stopDoors(this.#doors.list(), deadline, this.#clock, this.logger);
      const plugins = await stopPlugins([...this.#entries].reverse(), deadline, this.#clock, this.logger);
      report = { ...report, timedOut: [...doors.timedOut, ...plugins.timedOut], failed: [...doors.failed, ...plugins.failed] };
    }
    this.#sm.transition('stopped');
    this.#logger?.info({ reason, ms: Math.round(this.#clock.monotonic() - t0), timedOut: report.timedOut, failed: report.failed }, 'kernel stopped');
    return report;
  }
}

const DEFAULT_NATIVE_PORT = 10911;

/**
 * The store host in every offset msgId is advertisedHost:advertisedPort, and clients use it to reach
 * this broker (rocketmq-protocol.md §3.4), so by default it follows the native door's port when that
 * port is fixed in config. A door on port 0 (tests) needs advertisedPort set explicitly.
 */
export function resolveAdvertisedPort(config: Pick<KernelConfig, 'advertisedPort' | 'plugins'>): number {
  if (config.advertisedPort !== undefined) return config.advertisedPort;
  const slice = config.plugins['remoting'];
  const port = typeof slice === 'object' && slice !== null ? (slice as Record<string, unknown>)['port'] : undefined;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 ? port : DEFAULT_NATIVE_PORT;
}
