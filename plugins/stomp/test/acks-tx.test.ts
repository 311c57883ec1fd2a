import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { readBody, sendWithReceipt, startStompBroker, stompitConnect, type StompitMessage, stompjs, synced, syncedJs } from './harness.js';

test('client-individual: unacknowledged messages are redelivered to another subscriber when the connection drops', async (t) => {
  const b = await startStompBroker(t);
  const producer = await stompitConnect(t, b.port);
  const first = await stompitConnect(t, b.port);
  const held: string[] = [];
  first.subscribe({ destination: '/queue/Jobs', ack: 'client-individual', id: 's' }, (err, m: StompitMessage) => {
    if (!err) void readBody(m).then((body) => held.push(body)); // never acked
  });
  await synced(first);
  for (let i = 0; i < 3; i++) await sendWithReceipt(producer, { destination: '/queue/Jobs' }, `j${i}`);
  await waitFor(() => held.length >= 3);
  first.destroy();
  const second = await stompitConnect(t, b.port);
  const got: string[] = [];
  second.subscribe({ destination: '/queue/Jobs', ack: 'client-individual', id: 's' }, (err, m: StompitMessage) => {
    if (err) return;
    void readBody(m).then((body) => {
      got.push(body);
      second.ack(m);
    });
  });
  await waitFor(() => got.length >= 3, { timeoutMs: 10_000 });
  t.deepEqual([...got].sort(), ['j0', 'j1', 'j2']);
});

test('client (cumulative) ack: acking the third message settles the first two as well', async (t) => {
  const b = await startStompBroker(t);
  const producer = await stompitConnect(t, b.port);
  for (let i = 0; i < 4; i++) await sendWithReceipt(producer, { destination: '/queue/Cum' }, `c${i}`);
  const c = await stompjs(t, b.wsUrl);
  const got: { body: string; ack: () => void }[] = [];
  c.subscribe('/queue/Cum', (m) => got.push({ body: m.body, ack: () => m.ack() }), { ack: 'client' });
  await waitFor(() => got.length >= 4);
  got[2]!.ack();
  await c.deactivate();
  // Only the fourth, never acknowledged, comes back.
  const again = await stompjs(t, b.wsUrl);
  const redelivered: string[] = [];
  again.subscribe('/queue/Cum', (m) => {
    redelivered.push(m.body);
    m.ack();
  }, { ack: 'client-individual' });
  await waitFor(() => redelivered.length >= 1, { timeoutMs: 10_000 });
  await synced(producer);
  t.deepEqual(redelivered, ['c3']);
});

test("NACK sends a message to retry and, after the group's attempts, to its DLQ", async (t) => {
  const b = await startStompBroker(t, { messaging: { delayLevels: '100ms 100ms 100ms' }, pop: { maxDeliveryAttempts: 2 } });
  const producer = await stompitConnect(t, b.port);
  await sendWithReceipt(producer, { destination: '/queue/Flaky' }, 'poison');
  const c = await stompjs(t, b.wsUrl);
  let deliveries = 0;
  c.subscribe('/queue/Flaky', (m) => {
    deliveries++;
    m.nack();
  }, { ack: 'client-individual' });
  const dlq = '%DLQ%STOMP_QUEUE_Flaky';
  await waitFor(() => b.messaging.topics.get(dlq) !== undefined && b.messaging.maxOffset(dlq, 0) > 0, { timeoutMs: 15_000 });
  t.true(deliveries >= 1);
});

test('transactions: SENDs and ACKs inside take effect only at COMMIT; ABORT drops them', async (t) => {
  const b = await startStompBroker(t);
  const watcher = await stompjs(t, b.wsUrl);
  const seen: string[] = [];
  watcher.subscribe('/topic/Tx', (m) => seen.push(m.body));
  await syncedJs(watcher);
  const c = await stompjs(t, b.wsUrl);
  const aborted = c.begin('tx-a');
  c.publish({ destination: '/topic/Tx', body: 'dropped', headers: { transaction: aborted.id } });
  aborted.abort();
  const tx = c.begin('tx-1');
  c.publish({ destination: '/topic/Tx', body: 'one', headers: { transaction: tx.id } });
  c.publish({ destination: '/topic/Tx', body: 'two', headers: { transaction: tx.id } });
  // Not visible before COMMIT: a plain SEND after them arrives first.
  c.publish({ destination: '/topic/Tx', body: 'outside' });
  await waitFor(() => seen.length >= 1);
  t.deepEqual(seen, ['outside']);
  tx.commit();
  await waitFor(() => seen.length >= 3);
  t.deepEqual(seen, ['outside', 'one', 'two']);
});

test('durable topic subscription (client-id + durable-subscription-name) keeps its place across reconnects', async (t) => {
  const b = await startStompBroker(t);
  const producer = await stompitConnect(t, b.port);
  const sub1 = await stompjs(t, b.wsUrl, { 'client-id': 'reporting' });
  const first: string[] = [];
  sub1.subscribe('/topic/Prices', (m) => {
    first.push(m.body);
    m.ack();
  }, { ack: 'client-individual', 'durable-subscription-name': 'daily' });
  await syncedJs(sub1);
  await sendWithReceipt(producer, { destination: '/topic/Prices' }, 'p1');
  await waitFor(() => first.length >= 1);
  await sub1.deactivate();
  await sendWithReceipt(producer, { destination: '/topic/Prices' }, 'p2');
  await sendWithReceipt(producer, { destination: '/topic/Prices' }, 'p3');
  const sub2 = await stompjs(t, b.wsUrl, { 'client-id': 'reporting' });
  const second: string[] = [];
  sub2.subscribe('/topic/Prices', (m) => {
    second.push(m.body);
    m.ack();
  }, { ack: 'client-individual', 'durable-subscription-name': 'daily' });
  await waitFor(() => second.length >= 2, { timeoutMs: 10_000 });
  t.deepEqual(first, ['p1']);
  t.deepEqual(second, ['p2', 'p3']);
});
