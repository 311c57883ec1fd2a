import { definePlugin } from '../../kernel/plugin.js';
import { DOOR_REGISTRY, MESSAGE_STORE, MESSAGING, POP } from '../../kernel/tokens.js';
import { createHttpDoor } from './door.js';
import { HTTP_EXTENSIONS } from './extensions.js';
import { manifest } from './manifest.js';
import { HTTP_DOOR } from './tokens.js';

export { createHttpDoor } from './door.js';
export type { HttpDoorDeps, HttpDoorInstance } from './door.js';
export { httpConfig, httpConfigSchema } from './config.js';
export type { HttpConfig } from './config.js';
export { HTTP_DOOR } from './tokens.js';
export type { HttpDoor, UpgradeHandler } from './tokens.js';
export type { HttpExtension, HttpExtensionDeps, HttpExtensionFactory } from './extension.js';
export { isLoopbackAddress } from './loopback.js';

/**
 * The HTTP door: requires MESSAGING and POP, provides HTTP_DOOR, registers a Door (`http://host:port`)
 * so the kernel lists it and stops it first. Listens in start(); stop() stops accepting and drains
 * (extensions too).
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const store = ctx.resolveOptional(MESSAGE_STORE);
    const doors = ctx.resolve(DOOR_REGISTRY);
    const door = createHttpDoor(
      { messaging: ctx.resolve(MESSAGING), pop: ctx.resolve(POP), clock: ctx.clock, logger: ctx.logger, doors: () => doors.list(), ...(store === undefined ? {} : { store }) },
      ctx.config,
      HTTP_EXTENSIONS,
    );
    ctx.provide(HTTP_DOOR, { address: () => door.address(), mountUpgrade: (path, handler) => door.mountUpgrade(path, handler) });
    doors.add(door.door);
    return {
      async start() {
        await door.start();
      },
      async stop(deadline) {
        await door.stop(deadline);
      },
    };
  },
});
