import type { StompConnection } from '../connection.js';
import { header, type StompFrame } from '../frame.js';
import type { StompSubscription } from '../subscription.js';

/** The subscription and ack id an ACK/NACK names: `id` (1.2), or `message-id` (+ `subscription`) (1.0/1.1). */
function target(c: StompConnection, frame: StompFrame): { sub: StompSubscription; ackId: string } | string {
  const id = header(frame, 'id');
  if (c.version === '1.2' || (id !== undefined && header(frame, 'message-id') === undefined)) {
    if (id === undefined) return 'ACK/NACK needs an id header (the ack header of the MESSAGE)';
    for (const sub of c.subscriptions.values()) if (sub.holds(id)) return { sub, ackId: id };
    return `${JSON.stringify(id)} is not a message awaiting acknowledgement on this connection`;
  }
  const messageId = header(frame, 'message-id');
  if (messageId === undefined) return 'ACK/NACK needs a message-id header';
  const subId = header(frame, 'subscription');
  const subs = subId === undefined ? [...c.subscriptions.values()] : [c.subscriptions.get(subId)].filter((s): s is StompSubscription => s !== undefined);
  for (const sub of subs) {
    const ackId = sub.ackIdOf(messageId);
    if (ackId !== undefined) return { sub, ackId };
  }
  return `message ${JSON.stringify(messageId)} is not awaiting acknowledgement`;
}

/** ACK and NACK (§ACK, §NACK): settled now, or at COMMIT inside a transaction. NACK sends to retry, then DLQ. */
export function settle(how: 'ack' | 'nack'): (c: StompConnection, frame: StompFrame) => void {
  return (c, frame) => {
    c.ordered(frame, async () => {
      const t = target(c, frame);
      if (typeof t === 'string') return c.error(`invalid ${how.toUpperCase()}`, t, frame);
      const run = async (): Promise<void> => {
        const ok = how === 'ack' ? await t.sub.ack(t.ackId) : await t.sub.nack(t.ackId);
        if (!ok) throw new Error(`${JSON.stringify(t.ackId)} is not awaiting acknowledgement`);
      };
      const txId = header(frame, 'transaction');
      if (txId !== undefined) {
        const tx = c.transactions.get(txId);
        if (tx === undefined) return c.error('unknown transaction', `transaction ${JSON.stringify(txId)} was not begun on this connection`, frame);
        tx.work.push(run);
        return c.receipt(frame);
      }
      try {
        await run();
      } catch (e) {
        return c.error(`invalid ${how.toUpperCase()}`, e instanceof Error ? e.message : String(e), frame);
      }
      c.receipt(frame);
    });
  };
}

/** ACK (§ACK): one message (`client-individual`) or everything up to it (`client`), now or at COMMIT. */
export const onAck = settle('ack');
