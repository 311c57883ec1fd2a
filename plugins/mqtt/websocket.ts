import { streamOverWebSocket } from '../../kernel/protocol/streams/stream-door.js';
import type { UpgradeHandler } from '../http/tokens.js';
import type { MqttDoor } from './door.js';

/**
 * MQTT over WebSocket (MQTT 5 §6, 3.1.1 §6): binary frames carrying the same byte stream as TCP.
 * Subprotocol `mqtt` (older clients: `mqttv3.1`) is required: without it the socket is closed with 1002.
 */
export function mqttOverWebSocket(door: MqttDoor, maxPacketBytes: number): UpgradeHandler {
  return streamOverWebSocket(door, { maxPayload: maxPacketBytes, subprotocols: ['mqtt', 'mqttv3.1'], requireProtocol: true });
}
