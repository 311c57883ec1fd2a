import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { token, type Token } from '../../kernel/tokens.js';

/** Takes over an HTTP upgrade request (the socket is the handler's from here). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The HTTP door (REST, WebSocket, SSE, /sdk): where it really listens (port 0 in tests picks a free one). */
export interface HttpDoor {
  /** undefined until the door listens (and after it stopped). */
  address(): { host: string; port: number } | undefined;
  /**
   * Serve upgrade requests (WebSocket) at an exact path of this port from another plugin, e.g. the
   * MQTT door at /mqtt. Throws CONFIG_INVALID when the path is taken. Returns an unmount function.
   */
  mountUpgrade(path: string, handler: UpgradeHandler): () => void;
}

export const HTTP_DOOR: Token<HttpDoor> = token<HttpDoor>('cometmq:http/HttpDoor');
