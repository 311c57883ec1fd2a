import type { Logger } from 'pino';
import type { Door } from '../../kernel/messaging/door.js';
import { createRemotingServer } from '../../kernel/protocol/remoting/server.js';
import type { RemotingConnection, RemotingServer } from '../../kernel/protocol/remoting/transport.js';
import type { Clock, TimerHandle } from '../../kernel/services.js';
import type { NamesrvConfig } from './config.js';
import { NAMESRV_PROCESSORS, type NamesrvContext } from './processors/index.js';
import { RouteInfoManager } from './route-info-manager.js';

export interface NameServerDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Replaces a wildcard listen host in address() (KernelInfo.advertisedHost). Default 127.0.0.1. */
  readonly advertisedHost?: string;
}

/** A name server: RouteInfoManager behind a RemotingServer, plus the expiry scan. */
export interface NameServer {
  readonly routes: RouteInfoManager;
  /** Listen and start the expiry scan. */
  start(): Promise<{ host: string; port: number }>;
  /** `host:port` to connect to (wildcard host replaced), or undefined before start. */
  address(): string | undefined;
  /** The door the kernel lists and stops first. */
  readonly door: Door;
  /** Stop the scan and the server (idempotent). */
  close(deadline?: number): Promise<void>;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function createNameServer(config: NamesrvConfig, deps: NameServerDeps): NameServer {
  const { clock, logger } = deps;
  const routes = new RouteInfoManager();
  const server: RemotingServer = createRemotingServer({ host: config.host, port: config.port }, logger);
  const watched = new Set<string>();
  let scan: TimerHandle | undefined;
  let closing: Promise<void> | undefined;

  const watchConnection = (connection: RemotingConnection): void => {
    if (watched.has(connection.id)) return;
    watched.add(connection.id);
    connection.onClose(() => {
      watched.delete(connection.id);
      const removed = routes.onConnectionClosed(connection.id);
      if (removed.length > 0) logger.info({ brokerAddrs: removed }, 'broker connection closed: brokers removed');
    });
  };
  const ctx: NamesrvContext = { routes, now: () => clock.monotonic(), logger, watchConnection };
  for (const [code, make] of Object.entries(NAMESRV_PROCESSORS)) server.handle(Number(code), make(ctx));

  const evict = (): void => {
    const expired = routes.evictExpired(clock.monotonic(), config.brokerExpiryMs);
    if (expired.length > 0) logger.warn({ brokerAddrs: expired, brokerExpiryMs: config.brokerExpiryMs }, 'brokers expired: not re-registered in time');
  };

  const address = (): string | undefined => {
    const a = server.address();
    if (!a) return undefined;
    return `${WILDCARDS.has(a.host) ? (deps.advertisedHost ?? '127.0.0.1') : a.host}:${a.port}`;
  };

  const close = (deadline?: number): Promise<void> => {
    closing ??= (async () => {
      scan?.cancel();
      await server.close(deadline);
    })();
    return closing;
  };

  const door: Door = {
    name: 'namesrv',
    addresses: () => {
      const a = server.address();
      return a ? [`tcp://${a.host}:${a.port}`] : [];
    },
    stopAccepting: () => server.stopAccepting(),
    drain: (deadline) => close(deadline),
  };

  return {
    routes,
    door,
    address,
    close,
    async start() {
      const bound = await server.listen();
      scan = clock.setInterval(evict, config.scanIntervalMs).unref();
      logger.info({ host: bound.host, port: bound.port }, `name server listening on ${bound.host}:${bound.port}`);
      return bound;
    },
  };
}
