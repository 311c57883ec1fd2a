import type { AppendResult } from '../../../kernel/messaging/store.js';
import { isCometError } from '../../../kernel/errors.js';
import type { StompConnection } from '../connection.js';
import { parseDestination, toProduce } from '../destinations.js';
import { header, type StompFrame } from '../frame.js';

/**
 * SEND (STOMP 1.2 §SEND): stored through Messaging at once (a pipelining producer is not
 * serialized), answered (RECEIPT, or ERROR and close) in arrival order. Inside a transaction it is
 * held until COMMIT.
 */
export function onSend(c: StompConnection, frame: StompFrame): void {
  const dest = parseDestination(header(frame, 'destination'));
  if (typeof dest === 'string') return c.error('invalid destination', dest, frame);
  const request = toProduce(dest, frame, c.session);
  if (typeof request === 'string') return c.error('invalid header', request, frame);
  const txId = header(frame, 'transaction');
  if (txId !== undefined) {
    // In order with BEGIN/COMMIT/ABORT: the transaction is looked up after the frames before it.
    c.ordered(frame, () => {
      const tx = c.transactions.get(txId);
      if (tx === undefined) return c.error('unknown transaction', `transaction ${JSON.stringify(txId)} was not begun on this connection`, frame);
      if (tx.sends.length + tx.work.length >= c.deps.config.maxFramesPerTransaction) return c.error('transaction too large', `more than ${c.deps.config.maxFramesPerTransaction} frames in transaction ${txId}`, frame);
      tx.sends.push(request);
      c.receipt(frame);
    });
    return;
  }
  // One connection's SENDs are stored in arrival order (kernel/messaging/produce-gate.ts).
  const stored = c.produceGate.start(c.deps.messaging.topics.get(dest.name) !== undefined, () => produce(c, request));
  c.ordered(frame, async () => {
    const r = await stored;
    if (r.status !== 'ok') return c.error('message not stored', `${r.error.code}: ${r.error.message}`, frame);
    c.receipt(frame);
  });
}

async function produce(c: StompConnection, request: Parameters<StompConnection['deps']['messaging']['produce']>[0]): Promise<AppendResult> {
  try {
    return await c.deps.messaging.produce(request);
  } catch (e) {
    if (!isCometError(e)) throw e;
    return { status: 'rejected', error: e };
  }
}
