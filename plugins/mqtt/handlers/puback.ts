import type { IPubackPacket } from 'mqtt-packet';
import type { Connection } from '../connection.js';

/** PUBACK from the client (§3.4): a QoS 1 delivery is done; an unknown id is ignored (logged). */
export function onPuback(c: Connection, p: IPubackPacket): void {
  if (!c.session!.acknowledged(p.messageId ?? 0, 'puback')) c.logger.debug({ clientId: c.clientId, messageId: p.messageId }, 'PUBACK for no QoS 1 delivery in flight');
}
