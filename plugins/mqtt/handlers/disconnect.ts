import type { IDisconnectPacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';

/**
 * DISCONNECT from the client (§3.14): the will is dropped, except for MQTT 5 reason 0x04 (Disconnect
 * with Will Message). MQTT 5 may change the session expiry here, but not from 0 (§3.14.2.2.2).
 */
export function onDisconnect(c: Connection, p: IDisconnectPacket): void {
  c.ordered(() => {
    const expiry = c.protocolVersion === 5 ? p.properties?.sessionExpiryInterval : undefined;
    const session = c.session!;
    if (expiry !== undefined) {
      if (!session.persistent && expiry > 0) return c.protocolError(RC.PROTOCOL_ERROR, 'session expiry set on DISCONNECT after CONNECT asked for none');
      session.expiryMs = Math.min(expiry, c.broker.deps.config.maxSessionExpirySecs) * 1000;
    }
    c.normalDisconnect(p.reasonCode === RC.DISCONNECT_WITH_WILL);
  });
}
