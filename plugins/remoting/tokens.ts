import { token, type Token } from '../../kernel/tokens.js';

/** The native (RocketMQ remoting) door: where it really listens (port 0 in tests picks a free one). */
export interface NativeDoor {
  /** undefined until the door listens (and after it stopped). */
  address(): { host: string; port: number } | undefined;
}

export const NATIVE_DOOR: Token<NativeDoor> = token<NativeDoor>('cometmq:remoting/NativeDoor');
