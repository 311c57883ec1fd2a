import { token, type Token } from '../../kernel/tokens.js';

/** The HTTP door (REST, WebSocket, SSE, /sdk): where it really listens (port 0 in tests picks a free one). */
export interface HttpDoor {
  /** undefined until the door listens (and after it stopped). */
  address(): { host: string; port: number } | undefined;
}

export const HTTP_DOOR: Token<HttpDoor> = token<HttpDoor>('cometmq:http/HttpDoor');
