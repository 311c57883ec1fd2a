/** CometMQ's public surface: the kernel, the plugin API, tokens, errors, services and messaging contracts. */
import 'reflect-metadata';

export { createKernel, KERNEL_TOKENS } from './kernel.js';
export type { Kernel, KernelOptions, PluginInfo, StopReport } from './kernel.js';
export type { KernelState, StateChange } from './lifecycle/state.js';
export { definePlugin } from './plugin.js';
export type { Plugin, PluginManifest, PluginContext, PluginHooks } from './plugin.js';
export * from './tokens.js';
export * from './errors.js';
export * from './services.js';
export * from './messaging/index.js';
export {
  composeSchema,
  DEFAULT_LOAD,
  kernelConfigSchema,
  LOG_LEVELS,
  readLayers,
  redact,
  resolveConfig,
  type ConfigFlags,
  type ConfigSources,
  type KernelConfig,
  type LogLevel,
} from './config/index.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export { BUILTIN_PLUGINS, isBuiltinPlugin } from './builtin.js';
