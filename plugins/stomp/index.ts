import { definePlugin } from '../../kernel/plugin.js';
import { DOOR_REGISTRY, MESSAGING, POP } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../http/tokens.js';
import { StompDoor } from './door.js';
import { manifest } from './manifest.js';
import { STOMP_DOOR } from './tokens.js';
import { stompOverWebSocket } from './websocket.js';

export { stompConfig, stompConfigSchema } from './config.js';
export type { StompConfig } from './config.js';
export { STOMP_DOOR } from './tokens.js';
export type { StompDoorInfo } from './tokens.js';

/**
 * The STOMP door (docs/stomp.md): requires MESSAGING and POP, provides STOMP_DOOR, registers a Door;
 * serves STOMP over WebSocket on the HTTP door's port when that door is loaded.
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const door = new StompDoor({ messaging: ctx.resolve(MESSAGING), pop: ctx.resolve(POP), clock: ctx.clock, logger: ctx.logger, config: ctx.config });
    ctx.provide(STOMP_DOOR, { address: () => door.address() });
    ctx.resolve(DOOR_REGISTRY).add(door);
    const http = ctx.resolveOptional(HTTP_DOOR);
    let unmount: (() => void) | undefined;
    if (http !== undefined && ctx.config.websocketPath !== '') {
      unmount = http.mountUpgrade(ctx.config.websocketPath, stompOverWebSocket(door, ctx.config.maxHeaderBytes + ctx.config.maxBodyBytes));
    }
    return {
      async start() {
        await door.start();
      },
      async stop(deadline) {
        unmount?.();
        await door.stopAccepting();
        await door.drain(deadline);
      },
    };
  },
});
