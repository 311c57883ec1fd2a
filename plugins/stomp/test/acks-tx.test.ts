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

test('an ACK inside a transaction settles only at COMMIT (ABORTed: the message comes again)', async (t) => {
  const b = await startStompBroker(t);
  const producer = await stompitConnect(t, b.port);
  await sendWithReceipt(producer, { destination: '/queue/TxAck' }, 'm1');
  const c = await stompjs(t, b.wsUrl);
  const got: { body: string; ack: (h: Record<string, string>) => void }[] = [];
  c.subscribe('/queue/TxAck', (m) => got.push({ body: m.body, ack: (h) => m.ack(h) }), { ack: 'client-individual' });
  await waitFor(() => got.length >= 1);
  const tx = c.begin('t-abort');
  got[0]!.ack({ transaction: tx.id });
  tx.abort();
  await syncedJs(c);
  await c.deactivate();
  // Not acknowledged: the next subscriber gets it.
  const again = await stompjs(t, b.wsUrl);
  const second: string[] = [];
  again.subscribe('/queue/TxAck', (m) => {
    second.push(m.body);
    const tx2 = again.begin('t-commit');
    m.ack({ transaction: tx2.id });
    tx2.commit();
  }, { ack: 'client-individual' });
  await waitFor(() => second.length >= 1, { timeoutMs: 10_000 });
  await syncedJs(again);
  await again.deactivate();
  // Committed: nobody gets it any more.
  const third = await stompjs(t, b.wsUrl);
  const none: string[] = [];
  third.subscribe('/queue/TxAck', (m) => none.push(m.body));
  await sendWithReceipt(producer, { destination: '/queue/TxAck' }, 'm2');
  await waitFor(() => none.length >= 1);
  t.deepEqual(none, ['m2']);
  t.deepEqual(second, ['m1']);
});

test('STOMP 1.0 and 1.1 clients: negotiated version, ACK by message-id (+ subscription)', async (t) => {
  const b = await startStompBroker(t);
  for (const version of ['1.0', '1.1']) {
    const producer = await stompitConnect(t, b.port, { 'accept-version': version });
    const consumer = await stompitConnect(t, b.port, { 'accept-version': version });
    const got: string[] = [];
    consumer.subscribe({ destination: `/queue/V${version.replace('.', '')}`, ack: 'client-individual', id: 'sub' }, (err, m: StompitMessage) => {
      if (err) return;
      t.false('ack' in m.headers, 'no ack header before STOMP 1.2');
      void readBody(m).then((body) => {
        got.push(body);
        consumer.ack(m);
      });
    });
    await synced(consumer);
    await sendWithReceipt(producer, { destination: `/queue/V${version.replace('.', '')}` }, `hello ${version}`);
    await waitFor(() => got.length >= 1);
    await synced(consumer);
    t.deepEqual(got, [`hello ${version}`]);
  }
});
