import type { IPingreqPacket } from 'mqtt-packet';
import type { Connection } from '../connection.js';

/** PINGREQ (§3.12): answer PINGRESP (keep-alive is counted on every packet). */
export function onPingreq(c: Connection, _p: IPingreqPacket): void {
  c.ordered(() => c.send({ cmd: 'pingresp' }));
}
