import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { HttpExtension, HttpExtensionDeps, HttpExtensionFactory } from '../extension.js';
import { WsConnection } from './connection.js';

export const WS_PATH = '/v1/ws';

export { CLOSE } from './protocol.js';
export type { ClientFrame, ServerFrame, MessageFields, ErrorBody, ProduceResult, FrameId } from './protocol.js';

/**
 * The WebSocket door at `/v1/ws` (docs/websocket.md), an extension of the HTTP door: the door owns
 * the server and hands over upgrade requests for WS_PATH. `ws` runs without its own server
 * (`noServer`), no compression, frames up to plugins.http.ws.maxPayloadBytes.
 */
export const createWsExtension: HttpExtensionFactory = (deps: HttpExtensionDeps): HttpExtension => {
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: deps.config.ws.maxPayloadBytes });
  const connections = new Map<WsConnection, { readonly id: number; readonly peer: string }>();
  let accepting = true;
  let nextId = 1;

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = nextId++;
      const logger = deps.logger.child({ ws: id, remote: req.socket.remoteAddress });
      const connection = new WsConnection(ws, deps, logger, socket);
      connections.set(connection, { id, peer: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}` });
      void connection.closed.then(() => connections.delete(connection));
      logger.debug('websocket connected');
    });
  }

  return {
    name: 'websocket',
    openapiPaths: {
      [WS_PATH]: {
        get: {
          operationId: 'websocket',
          summary: 'WebSocket upgrade: produce, subscribe with credits, ack/nack (JSON frames; docs/websocket.md)',
          tags: ['consume'],
          responses: { '101': { description: 'Switching protocols' }, '503': { description: 'The door is shutting down' } },
        },
      },
    },
    upgradePaths: [WS_PATH],
    members: (group) => [...connections].flatMap(([c, { id, peer }]) => c.members(group, id, peer)),
    upgrade(req, socket, head) {
      const path = (req.url ?? '').split('?')[0];
      if (!accepting) return refuse(socket, 503, 'Service Unavailable');
      if (path !== WS_PATH) return refuse(socket, 404, 'Not Found');
      accept(req, socket, head);
    },
    stopAccepting() {
      accepting = false;
    },
    async drain(deadline) {
      accepting = false;
      await Promise.all([...connections.keys()].map((c) => c.shutdown(deadline)));
      wss.close();
    },
  };
};

/** Answer an upgrade request with a plain HTTP status on the raw socket and close it. */
function refuse(socket: Duplex, status: number, text: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}
