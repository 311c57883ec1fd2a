import type { IPubrecPacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';

/** PUBREC from the client (§3.5): the QoS 2 delivery is received; answer PUBREL (0x92 when unknown, MQTT 5). */
export function onPubrec(c: Connection, p: IPubrecPacket): void {
  const id = p.messageId ?? 0;
  const known = c.session!.acknowledged(id, 'pubrec');
  if (c.protocolVersion === 5) c.send({ cmd: 'pubrel', messageId: id, reasonCode: known ? RC.SUCCESS : RC.PACKET_IDENTIFIER_NOT_FOUND });
  else c.send({ cmd: 'pubrel', messageId: id });
}
