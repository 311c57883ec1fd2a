import { token, type Token } from '../../kernel/tokens.js';

/** The STOMP door: where it really listens (port 0 in tests picks a free one). */
export interface StompDoorInfo {
  /** undefined until the door listens (and after it stopped). */
  address(): { host: string; port: number } | undefined;
}

export const STOMP_DOOR: Token<StompDoorInfo> = token<StompDoorInfo>('cometmq:stomp/StompDoor');
