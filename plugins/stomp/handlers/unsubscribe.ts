import type { StompConnection } from '../connection.js';
import { header, type StompFrame } from '../frame.js';

/** UNSUBSCRIBE (§UNSUBSCRIBE): the subscription stops; its unacknowledged queue messages go to other subscribers. */
export function onUnsubscribe(c: StompConnection, frame: StompFrame): void {
  c.ordered(frame, () => {
    const id = header(frame, 'id') ?? (c.version === '1.0' ? header(frame, 'destination') : undefined);
    const sub = id === undefined ? undefined : c.subscriptions.get(id);
    if (sub === undefined) return c.error('unknown subscription', `no subscription ${JSON.stringify(id)} on this connection`, frame);
    sub.stop();
    c.subscriptions.delete(sub.id);
    c.receipt(frame);
  });
}
