import type { ConfigSources } from '../config/layers.js';
import { readLayers } from '../config/layers.js';
import { resolveBootstrap } from '../config/resolve.js';
import type { Kernel } from '../kernel.js';
import { NAMESRV_ADDR_ENV, parseNamesrvAddrList } from '../protocol/remoting/namesrv-address.js';
import { printReady, type StartIO } from './start.js';

/** The env variable the kernel maps to plugins.broker-registration.namesrvAddrs. */
export const NAMESRV_ADDRS_CONFIG_ENV = 'COMETMQ_PLUGINS__BROKER_REGISTRATION__NAMESRV_ADDRS';
export const NAMESRV_PLUGIN = 'namesrv';
export const REGISTRATION_PLUGIN = 'broker-registration';

/**
 * NAMESRV_ADDR (`a:9876;b:9876`, RocketMQ's variable) feeds plugins.broker-registration.namesrvAddrs
 * when broker-registration is loaded and the COMETMQ_ variable is not set (that one wins).
 */
export function withNamesrvAddrEnv(sources: ConfigSources): ConfigSources {
  const env = sources.env ?? {};
  const text = env[NAMESRV_ADDR_ENV];
  if (text === undefined || text.trim() === '' || env[NAMESRV_ADDRS_CONFIG_ENV] !== undefined) return sources;
  if (!resolveBootstrap(readLayers(sources)).load.includes(REGISTRATION_PLUGIN)) return sources;
  return { ...sources, env: { ...env, [NAMESRV_ADDRS_CONFIG_ENV]: JSON.stringify(parseNamesrvAddrList(text)) } };
}

/** `cometmq namesrv`: only the name server (no store), unless --load says otherwise. */
export function namesrvSources(sources: ConfigSources): ConfigSources {
  if (sources.flags?.load !== undefined) return sources;
  return { ...sources, flags: { ...sources.flags, load: [NAMESRV_PLUGIN] } };
}

/**
 * `cometmq broker`: the configured (default) set minus `namesrv`; `--namesrv a:9876;b:9876` sets
 * namesrvAddrs over config and env; otherwise NAMESRV_ADDR applies.
 */
export function brokerSources(sources: ConfigSources, namesrv: string | undefined): ConfigSources {
  const load = sources.flags?.load ?? resolveBootstrap(readLayers(sources)).load.filter((n) => n !== NAMESRV_PLUGIN);
  const set = [...(sources.flags?.set ?? [])];
  if (namesrv !== undefined) set.push(`plugins.${REGISTRATION_PLUGIN}.namesrvAddrs=${JSON.stringify(parseNamesrvAddrList(namesrv))}`);
  return withNamesrvAddrEnv({ ...sources, flags: { ...sources.flags, load, set } });
}

/** `cometmq namesrv listening on 0.0.0.0:9876`, then the usual ready line. */
export function printNamesrvReady(kernel: Kernel, io: StartIO): void {
  const door = kernel.doors().find((d) => d.name === NAMESRV_PLUGIN);
  for (const address of door?.addresses() ?? []) io.out(`cometmq namesrv listening on ${address.replace(/^tcp:\/\//, '')}`);
  printReady(kernel, io);
}
