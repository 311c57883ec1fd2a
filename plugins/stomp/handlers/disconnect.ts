import type { StompConnection } from '../connection.js';
import type { StompFrame } from '../frame.js';

/** DISCONNECT (§"Connection Lingering"): once every earlier frame is handled, RECEIPT, then close. */
export function onDisconnect(c: StompConnection, frame: StompFrame): void {
  c.ordered(frame, () => {
    c.receipt(frame);
    c.close('client disconnected');
  });
}
