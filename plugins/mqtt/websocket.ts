import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { UpgradeHandler } from '../http/tokens.js';
import type { MqttDoor } from './door.js';

/** Subprotocols MQTT over WebSocket clients offer (MQTT 5 §6, MQTT 3.1.1 §6: "mqtt"; older clients "mqttv3.1"). */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];

/**
 * MQTT over WebSocket (MQTT 5 §6): binary frames carrying the same byte stream as TCP, so each
 * upgraded connection becomes a stream handed to the door like a TCP socket.
 */
export function mqttOverWebSocket(door: MqttDoor, maxPacketBytes: number): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxPacketBytes,
    perMessageDeflate: false,
    handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      // §6: a client that asked for no MQTT subprotocol is refused (close 1002 protocol error).
      if (ws.protocol === '') {
        ws.close(1002, 'the WebSocket subprotocol must be mqtt');
        return;
      }
      const remote = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      door.accept(stream, remote);
    });
  };
}
