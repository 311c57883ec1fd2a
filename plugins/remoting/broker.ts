import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { Door } from '../../kernel/messaging/door.js';
import { createRemotingServer } from '../../kernel/protocol/remoting/server.js';
import type { RemotingServer } from '../../kernel/protocol/remoting/transport.js';
import type { Clock, KernelInfo, TimerHandle } from '../../kernel/services.js';
import { ClientManager } from './client-manager.js';
import type { RemotingConfig } from './config.js';
import type { BrokerContext } from './context.js';
import { HeldPulls } from './held-pulls.js';
import { RebalanceLockManager } from './lock-manager.js';
import { PROCESSORS } from './processors/index.js';
import type { NativeDoor } from './tokens.js';

export interface BrokerDeps {
  readonly messaging: Messaging;
  readonly kernel: Pick<KernelInfo, 'brokerName' | 'clusterName' | 'advertisedHost' | 'advertisedPort'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The native door: a RemotingServer with the processor table, the client and lock registries, and the expiry scan. */
export interface Broker extends NativeDoor {
  readonly context: BrokerContext;
  readonly server: RemotingServer;
  readonly door: Door;
  /** Listen and start the expiry scan. */
  start(): Promise<{ host: string; port: number }>;
  /** Stop accepting, end held pulls, wait for in-flight requests until `deadline` (Clock.monotonic), close. */
  stop(deadline: number): Promise<void>;
}

export function createBroker(deps: BrokerDeps, config: RemotingConfig): Broker {
  const { clock, logger } = deps;
  const clients = new ClientManager({ clock, logger, clientExpiryMs: config.clientExpiryMs, notify: config.notifyConsumerIdsChanged });
  const locks = new RebalanceLockManager(clock, config.lockExpiryMs);
  const held = new HeldPulls();
  const context: BrokerContext = { messaging: deps.messaging, clients, locks, held, config, kernel: deps.kernel, clock, logger };
  const server = createRemotingServer(
    {
      host: config.host,
      port: config.port,
      maxInflightPerConnection: config.maxInflightPerConnection,
      maxPendingWriteBytes: config.maxPendingWriteBytes,
      idleTimeoutMs: config.idleTimeoutMs,
    },
    logger,
  );
  for (const [code, processor] of PROCESSORS) server.handle(code, (request, connection) => processor(context, request, connection));
  let scan: TimerHandle | undefined;
  let stopped: Promise<void> | undefined;

  const drain = async (deadline: number): Promise<void> => {
    scan?.cancel();
    scan = undefined;
    held.abortAll(); // held pulls answer at once (re-run, usually 19) instead of holding shutdown
    await server.close(deadline);
  };
  const door: Door = {
    name: 'remoting',
    addresses: () => {
      const a = server.address();
      return a === undefined ? [] : [`tcp://${a.host}:${a.port}`];
    },
    stopAccepting: () => server.stopAccepting(),
    drain: (deadline) => (stopped ??= drain(deadline)),
    members: (group) => {
      const info = clients.consumerGroup(group);
      if (info === undefined) return [];
      const now = clock.now();
      const mono = clock.monotonic();
      return [...info.channels.values()].map((ch) => ({
        clientId: ch.clientId,
        door: 'remoting',
        address: `${ch.connection.remoteAddress}:${ch.connection.remotePort}`,
        lastSeenAt: Math.round(now - (mono - ch.lastUpdate)),
        mode: info.messageModel,
        topics: [...info.subscriptions.keys()].sort(),
      }));
    },
  };
  return {
    context,
    server,
    door,
    address: () => server.address(),
    async start() {
      const bound = await server.listen();
      scan = clock.setInterval(() => {
        clients.scanExpired();
        locks.scanExpired();
      }, config.scanIntervalMs);
      scan.unref();
      logger.info({ host: bound.host, port: bound.port }, `native door listening on ${bound.host}:${bound.port}`);
      if (bound.port !== deps.kernel.advertisedPort) {
        // msgIds embed advertisedHost:advertisedPort (§3.4): clients resolving one reach the wrong port, and two
        // brokers on one host with the same advertisedPort hand out colliding msgIds.
        logger.warn({ port: bound.port, advertisedPort: deps.kernel.advertisedPort }, `native door port ${bound.port} differs from advertisedPort ${deps.kernel.advertisedPort}: msgIds name the wrong port; set advertisedPort=${bound.port}`);
      }
      return bound;
    },
    async stop(deadline) {
      await server.stopAccepting();
      await door.drain(deadline);
    },
  };
}
