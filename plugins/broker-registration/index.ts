import { definePlugin } from '../../kernel/plugin.js';
import { createRemotingClient } from '../../kernel/protocol/remoting/client.js';
import { parseNamesrvAddrList } from '../../kernel/protocol/remoting/namesrv-address.js';
import { MESSAGING } from '../../kernel/tokens.js';
import { NAMESRV } from '../namesrv/tokens.js';
import { NATIVE_DOOR } from '../remoting/tokens.js';
import { manifest } from './manifest.js';
import { createBrokerRegistrar, type BrokerIdentity } from './registrar.js';

export { createBrokerRegistrar, topicTable, type BrokerIdentity, type BrokerRegistrar, type RegisterOutcome, type RegistrarDeps } from './registrar.js';
export { brokerRegistrationConfig, brokerRegistrationConfigSchema, type BrokerRegistrationConfig } from './config.js';

/**
 * Registers this broker with every configured name server plus the embedded one: at start, every
 * registerIntervalMs and on every topic change; unregisters on stop. brokerAddr is
 * advertisedHost + the native door's real port when the remoting plugin is loaded (port 0 in tests),
 * else advertisedHost:advertisedPort.
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const messaging = ctx.resolve(MESSAGING);
    const embedded = ctx.resolveOptional(NAMESRV);
    const door = ctx.resolveOptional(NATIVE_DOOR);
    const configured = parseNamesrvAddrList(ctx.config.namesrvAddrs);
    const client = createRemotingClient({ requestTimeoutMs: ctx.config.registerTimeoutMs, connectTimeoutMs: ctx.config.registerTimeoutMs }, ctx.logger);
    const { advertisedHost, advertisedPort, brokerName, clusterName } = ctx.kernel;

    const broker = (): BrokerIdentity | undefined => {
      let port = advertisedPort;
      if (door) {
        const bound = door.address();
        if (bound === undefined) return undefined;
        port = bound.port;
      }
      return { clusterName, brokerName, brokerAddr: `${advertisedHost}:${port}`, brokerId: ctx.config.brokerId, haServerAddr: ctx.config.haServerAddr };
    };
    const targets = (): string[] => {
      const own = embedded?.address();
      return own === undefined || configured.includes(own) ? configured : [...configured, own];
    };
    const registrar = createBrokerRegistrar({
      client,
      targets,
      broker,
      topics: () => messaging.topics.list(),
      clock: ctx.clock,
      logger: ctx.logger,
      intervalMs: ctx.config.registerIntervalMs,
      timeoutMs: ctx.config.registerTimeoutMs,
    });
    let unsubscribe: (() => void) | undefined;
    return {
      start() {
        unsubscribe = messaging.topics.onChange(() => void registrar.topicsChanged());
        registrar.start();
        ctx.logger.info({ namesrvAddrs: targets(), brokerAddr: broker()?.brokerAddr }, 'broker registration started');
      },
      async stop(deadline) {
        unsubscribe?.();
        // The embedded name server's door is already closed (doors stop first): nothing to tell it.
        const own = embedded?.address();
        await registrar.stop(deadline, own === undefined ? [] : [own]);
        await client.close();
      },
    };
  },
});
