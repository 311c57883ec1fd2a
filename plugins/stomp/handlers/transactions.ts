import { isCometError } from '../../../kernel/errors.js';
import type { StompConnection } from '../connection.js';
import { header, type StompFrame } from '../frame.js';

function txId(c: StompConnection, frame: StompFrame): string | undefined {
  const id = header(frame, 'transaction');
  if (id === undefined) c.error('missing transaction', `${frame.command} needs a transaction header`, frame);
  return id;
}

/** BEGIN (§BEGIN): a transaction on this connection; its SENDs and ACK/NACKs wait for COMMIT. */
export function onBegin(c: StompConnection, frame: StompFrame): void {
  c.ordered(frame, () => {
    const id = txId(c, frame);
    if (id === undefined) return;
    if (c.transactions.has(id)) return c.error('transaction exists', `transaction ${JSON.stringify(id)} is already open`, frame);
    if (c.transactions.size >= c.deps.config.maxTransactions) return c.error('too many transactions', `at most ${c.deps.config.maxTransactions} open transactions per connection`, frame);
    c.transactions.set(id, { work: [], sends: [] });
    c.receipt(frame);
  });
}

/**
 * COMMIT (§COMMIT): the transaction's sends are stored (one batch per destination, in order) and then
 * its acknowledgements applied. A send the store refuses is an ERROR naming it.
 */
export function onCommit(c: StompConnection, frame: StompFrame): void {
  c.ordered(frame, async () => {
    const id = txId(c, frame);
    if (id === undefined) return;
    const tx = c.transactions.get(id);
    if (tx === undefined) return c.error('unknown transaction', `transaction ${JSON.stringify(id)} was not begun on this connection`, frame);
    c.transactions.delete(id);
    for (const request of tx.sends) {
      let stored;
      try {
        stored = await c.deps.messaging.produce(request);
      } catch (e) {
        if (!isCometError(e)) throw e;
        stored = { status: 'rejected' as const, error: e };
      }
      if (stored.status !== 'ok') return c.error('transaction failed', `a send to ${request.topic} was not stored: ${stored.error.code}: ${stored.error.message}`, frame);
    }
    for (const work of tx.work) {
      try {
        await work();
      } catch (e) {
        return c.error('transaction failed', e instanceof Error ? e.message : String(e), frame);
      }
    }
    c.receipt(frame);
  });
}

/** ABORT (§ABORT): the transaction's frames are dropped. */
export function onAbort(c: StompConnection, frame: StompFrame): void {
  c.ordered(frame, () => {
    const id = txId(c, frame);
    if (id === undefined) return;
    if (!c.transactions.delete(id)) return c.error('unknown transaction', `transaction ${JSON.stringify(id)} was not begun on this connection`, frame);
    c.receipt(frame);
  });
}
