import type { IUnsubscribePacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';

/** UNSUBSCRIBE (MQTT 3.1.1 §3.10, MQTT 5 §3.10): MQTT 5 answers a reason code per filter. */
export function onUnsubscribe(c: Connection, p: IUnsubscribePacket): void {
  c.ordered(async () => {
    const session = c.session!;
    const existed = session.unsubscribe(p.unsubscriptions);
    await c.broker.saveSession(session);
    if (c.protocolVersion === 5) c.send({ cmd: 'unsuback', messageId: p.messageId ?? 0, granted: existed.map((e) => (e ? RC.SUCCESS : RC.NO_SUBSCRIPTION_EXISTED)) });
    else c.send({ cmd: 'unsuback', messageId: p.messageId ?? 0, granted: [] });
  });
}
