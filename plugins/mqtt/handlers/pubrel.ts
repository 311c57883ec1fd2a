import type { IPubrelPacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';

/** PUBREL from the client (§3.6): release the QoS 2 packet id (persistent sessions: in the state store too), answer PUBCOMP (in order with the other acknowledgements). */
export function onPubrel(c: Connection, p: IPubrelPacket): void {
  c.ordered(async () => {
    const id = p.messageId ?? 0;
    const session = c.session!;
    const known = session.inboundQos2.delete(id);
    // Forgotten durably before PUBCOMP: after it the client may reuse the id for a new message.
    if (known && session.persistent) await c.broker.deps.state.deleteInboundQos2(c.clientId, id);
    if (c.protocolVersion === 5) c.send({ cmd: 'pubcomp', messageId: id, reasonCode: known ? RC.SUCCESS : RC.PACKET_IDENTIFIER_NOT_FOUND });
    else c.send({ cmd: 'pubcomp', messageId: id });
  });
}
