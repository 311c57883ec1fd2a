import type { IAuthPacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';

/** AUTH (MQTT 5 §3.15): enhanced authentication is not offered, so an AUTH packet is a protocol error. */
export function onAuth(c: Connection, _p: IAuthPacket): void {
  c.protocolError(RC.PROTOCOL_ERROR, 'AUTH without an authentication method');
}
