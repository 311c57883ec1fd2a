import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { type IMessage, readBody, sendWithReceipt, stompitConnect, stompjs, startStompBroker, type StompitMessage, synced, syncedJs } from './harness.js';

test('stompit over TCP: /queue sends each message to one of its subscribers; /topic to every subscription', async (t) => {
  const b = await startStompBroker(t);
  const producer = await stompitConnect(t, b.port);
  const q1: string[] = [];
  const q2: string[] = [];
  const top1: string[] = [];
  const top2: string[] = [];
  const consume = async (into: string[], destination: string, id: string): Promise<void> => {
    const c = await stompitConnect(t, b.port);
    c.subscribe({ destination, ack: 'client-individual', id }, (err, m: StompitMessage) => {
      if (err) return;
      void readBody(m).then((body) => {
        into.push(body);
        c.ack(m);
      });
    });
    await synced(c);
  };
  await consume(q1, '/queue/Work', 'a');
  await consume(q2, '/queue/Work', 'b');
  await consume(top1, '/topic/News', 'a');
  await consume(top2, '/topic/News', 'b');
  const n = 40;
  for (let i = 0; i < n; i++) await sendWithReceipt(producer, { destination: '/queue/Work' }, `job-${i}`);
  for (let i = 0; i < 5; i++) await sendWithReceipt(producer, { destination: '/topic/News' }, `news-${i}`);
  await waitFor(() => q1.length + q2.length >= n && top1.length >= 5 && top2.length >= 5, { timeoutMs: 10_000 });
  const all = [...q1, ...q2];
  t.is(new Set(all).size, n, 'every queue message once');
  t.is(all.length, n);
  t.deepEqual(top1, ['news-0', 'news-1', 'news-2', 'news-3', 'news-4']);
  t.deepEqual(top2, top1);
});

test('@stomp/stompjs over WebSocket: SEND with headers, MESSAGE with properties and content-type, client acks', async (t) => {
  const b = await startStompBroker(t);
  const c = await stompjs(t, b.wsUrl);
  const got: IMessage[] = [];
  c.subscribe('/queue/Orders', (m) => {
    got.push(m);
    m.ack();
  }, { ack: 'client-individual' });
  await new Promise<void>((resolve) => {
    c.watchForReceipt('r1', () => resolve());
    c.publish({ destination: '/queue/Orders', body: 'order-1', headers: { 'content-type': 'text/plain', tag: 'created', region: 'eu', receipt: 'r1' } });
  });
  await waitFor(() => got.length >= 1);
  t.is(got[0]!.body, 'order-1');
  t.is(got[0]!.headers['content-type'], 'text/plain');
  t.is(got[0]!.headers['region'], 'eu');
  t.is(got[0]!.headers['tag'], 'created');
  t.is(got[0]!.headers['destination'], '/queue/Orders');
});

test('one connection\'s SENDs are consumed in the order sent (a new queue, no receipts)', async (t) => {
  const b = await startStompBroker(t);
  const producer = await stompjs(t, b.wsUrl);
  const n = 150;
  for (let i = 0; i < n; i++) producer.publish({ destination: '/queue/Seq', body: String(i) });
  const c = await stompjs(t, b.wsUrl);
  const got: number[] = [];
  c.subscribe('/queue/Seq', (m) => got.push(Number(m.body)));
  await waitFor(() => got.length >= n, { timeoutMs: 10_000 });
  t.deepEqual(got, Array.from({ length: n }, (_, i) => i));
});

test('selector: a tag expression filters what a subscription receives', async (t) => {
  const b = await startStompBroker(t);
  const c = await stompjs(t, b.wsUrl);
  const got: string[] = [];
  c.subscribe('/topic/Events', (m) => got.push(m.body), { selector: 'red || blue' });
  await syncedJs(c);
  for (const tag of ['red', 'green', 'blue']) c.publish({ destination: '/topic/Events', body: tag, headers: { tag } });
  c.publish({ destination: '/topic/Events', body: 'end', headers: { tag: 'red' } });
  await waitFor(() => got.includes('end'));
  t.deepEqual(got, ['red', 'blue', 'end']);
});
