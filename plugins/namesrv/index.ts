import { definePlugin } from '../../kernel/plugin.js';
import { DOOR_REGISTRY } from '../../kernel/tokens.js';
import { manifest } from './manifest.js';
import { createNameServer } from './name-server.js';
import { NAMESRV } from './tokens.js';

export { createNameServer, type NameServer, type NameServerDeps } from './name-server.js';
export { RouteInfoManager, type BrokerRegistration, type BrokerUnregistration } from './route-info-manager.js';
export { namesrvConfig, namesrvConfigSchema, type NamesrvConfig } from './config.js';
export { NAMESRV, type NameServerHandle } from './tokens.js';

/**
 * Provides NAMESRV and a `namesrv` door. Listens in start(); the kernel stops the door first at
 * shutdown (stopAccepting, then drain closes every connection); stop() is the fallback.
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const nameServer = createNameServer(ctx.config, { clock: ctx.clock, logger: ctx.logger, advertisedHost: ctx.kernel.advertisedHost });
    ctx.resolve(DOOR_REGISTRY).add(nameServer.door);
    ctx.provide(NAMESRV, {
      address: () => nameServer.address() ?? `${ctx.kernel.advertisedHost}:${ctx.config.port}`,
    });
    return {
      async start() {
        await nameServer.start();
      },
      stop(deadline) {
        return nameServer.close(deadline);
      },
    };
  },
});
