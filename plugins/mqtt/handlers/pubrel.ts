import type { IPubrelPacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';

/** PUBREL from the client (§3.6): release the QoS 2 packet id, answer PUBCOMP (in order with the other acknowledgements). */
export function onPubrel(c: Connection, p: IPubrelPacket): void {
  c.ordered(() => {
    const id = p.messageId ?? 0;
    const known = c.session!.inboundQos2.delete(id);
    if (c.protocolVersion === 5) c.send({ cmd: 'pubcomp', messageId: id, reasonCode: known ? RC.SUCCESS : RC.PACKET_IDENTIFIER_NOT_FOUND });
    else c.send({ cmd: 'pubcomp', messageId: id });
  });
}
