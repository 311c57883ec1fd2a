import { definePlugin } from '../../kernel/plugin.js';
import { DOOR_REGISTRY, MESSAGING } from '../../kernel/tokens.js';
import { createBroker } from './broker.js';
import { manifest } from './manifest.js';
import { NATIVE_DOOR } from './tokens.js';

export { createBroker } from './broker.js';
export type { Broker, BrokerDeps } from './broker.js';
export { remotingConfig, remotingConfigSchema, SUSPEND_MAX_LIMIT_MS } from './config.js';
export type { RemotingConfig } from './config.js';
export { NATIVE_DOOR } from './tokens.js';
export type { NativeDoor } from './tokens.js';

/**
 * The native door (RocketMQ 4.x remoting): requires MESSAGING, provides NATIVE_DOOR, registers a Door
 * so the kernel lists its address and stops it first. Listens in start(), drains in stop().
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const broker = createBroker({ messaging: ctx.resolve(MESSAGING), kernel: ctx.kernel, clock: ctx.clock, logger: ctx.logger }, ctx.config);
    ctx.provide(NATIVE_DOOR, { address: () => broker.address() });
    ctx.resolve(DOOR_REGISTRY).add(broker.door);
    return {
      async start() {
        await broker.start();
      },
      async stop(deadline) {
        await broker.stop(deadline);
      },
    };
  },
});
