import type { Packet } from 'mqtt-packet';
import type { Connection } from '../connection.js';
import { onAuth } from './auth.js';
import { onConnect } from './connect.js';
import { onDisconnect } from './disconnect.js';
import { onPingreq } from './pingreq.js';
import { onPuback } from './puback.js';
import { onPubcomp } from './pubcomp.js';
import { onPublish } from './publish.js';
import { onPubrec } from './pubrec.js';
import { onPubrel } from './pubrel.js';
import { onSubscribe } from './subscribe.js';
import { onUnsubscribe } from './unsubscribe.js';

type HandlerOf<C extends Packet['cmd']> = (c: Connection, p: Extract<Packet, { cmd: C }>) => void;

/** Packets a client sends, each to its handler; the server-to-client ones (CONNACK, SUBACK, …) are absent: a protocol error. */
export const HANDLERS: { readonly connect: HandlerOf<'connect'> } & { readonly [C in Packet['cmd']]?: HandlerOf<C> } = {
  connect: onConnect,
  publish: onPublish,
  puback: onPuback,
  pubrec: onPubrec,
  pubrel: onPubrel,
  pubcomp: onPubcomp,
  subscribe: onSubscribe,
  unsubscribe: onUnsubscribe,
  pingreq: onPingreq,
  disconnect: onDisconnect,
  auth: onAuth,
};
