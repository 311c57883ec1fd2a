import type { StompConnection } from '../connection.js';
import type { StompFrame } from '../frame.js';
import { onAck } from './ack.js';
import { onConnect } from './connect.js';
import { onDisconnect } from './disconnect.js';
import { onNack } from './nack.js';
import { onSend } from './send.js';
import { onSubscribe } from './subscribe.js';
import { onAbort, onBegin, onCommit } from './transactions.js';
import { onUnsubscribe } from './unsubscribe.js';

/** Client frames (STOMP 1.2 §"Client Frames"), each to its handler; anything else is an ERROR. */
export const HANDLERS: Readonly<Record<string, ((c: StompConnection, frame: StompFrame) => void) | undefined>> = {
  CONNECT: onConnect,
  STOMP: onConnect,
  SEND: onSend,
  SUBSCRIBE: onSubscribe,
  UNSUBSCRIBE: onUnsubscribe,
  ACK: onAck,
  NACK: onNack,
  BEGIN: onBegin,
  COMMIT: onCommit,
  ABORT: onAbort,
  DISCONNECT: onDisconnect,
};
