import type { IPubcompPacket } from 'mqtt-packet';
import type { Connection } from '../connection.js';

/** PUBCOMP from the client (§3.7): the QoS 2 delivery is complete; its packet id is free. */
export function onPubcomp(c: Connection, p: IPubcompPacket): void {
  if (!c.session!.completed(p.messageId ?? 0)) c.logger.debug({ clientId: c.clientId, messageId: p.messageId }, 'PUBCOMP for no QoS 2 delivery awaiting it');
}
