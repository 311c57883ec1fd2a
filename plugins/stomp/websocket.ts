import { streamOverWebSocket } from '../../kernel/protocol/streams/stream-door.js';
import type { UpgradeHandler } from '../http/tokens.js';
import type { StompDoor } from './door.js';

/** STOMP over WebSocket: frames in WebSocket messages (@stomp/stompjs offers v12.stomp, v11.stomp, v10.stomp). */
export function stompOverWebSocket(door: StompDoor, maxFrameBytes: number): UpgradeHandler {
  return streamOverWebSocket(door, { maxPayload: maxFrameBytes, subprotocols: ['v12.stomp', 'v11.stomp', 'v10.stomp', 'stomp'], requireProtocol: false });
}
