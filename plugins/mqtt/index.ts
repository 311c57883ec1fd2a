import path from 'node:path';
import { definePlugin } from '../../kernel/plugin.js';
import { DOOR_REGISTRY, MESSAGING, POP } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../http/tokens.js';
import { MqttDoor } from './door.js';
import { mqttOverWebSocket } from './websocket.js';
import { manifest } from './manifest.js';
import { RocksStateStore } from './state.js';
import { MQTT_DOOR } from './tokens.js';

export { mqttConfig, mqttConfigSchema } from './config.js';
export type { MqttConfig } from './config.js';
export { MQTT_DOOR } from './tokens.js';
export type { MqttDoorInfo, MqttSessionInfo } from './tokens.js';

/**
 * The MQTT door (docs/mqtt.md): requires MESSAGING and POP, provides MQTT_DOOR, registers a Door.
 * Opens its state (retained messages, persistent sessions) in init, listens in start, drains in stop.
 */
export default definePlugin({
  manifest,
  register(ctx) {
    let door: MqttDoor | undefined;
    ctx.provide(MQTT_DOOR, {
      address: () => door?.address(),
      session: (clientId) => {
        const s = door?.broker.sessions.get(clientId);
        return s === undefined ? undefined : { clientId, connected: s.attached, persistent: s.persistent, subscriptions: [...s.subscriptions.keys()], inflight: s.inflightCount };
      },
    });
    const doors = ctx.resolve(DOOR_REGISTRY);
    const http = ctx.resolveOptional(HTTP_DOOR);
    let unmount: (() => void) | undefined;
    return {
      async init() {
        const state = await RocksStateStore.open(path.join(ctx.kernel.dataDir, ctx.config.subfolder));
        door = new MqttDoor({ messaging: ctx.resolve(MESSAGING), pop: ctx.resolve(POP), clock: ctx.clock, logger: ctx.logger, config: ctx.config, state });
        doors.add(door);
        if (http !== undefined && ctx.config.websocketPath !== '') unmount = http.mountUpgrade(ctx.config.websocketPath, mqttOverWebSocket(door, ctx.config.maxPacketBytes));
      },
      async start() {
        await door!.start();
      },
      async stop(deadline) {
        unmount?.();
        await door?.stopAccepting();
        await door?.drain(deadline);
      },
    };
  },
});
