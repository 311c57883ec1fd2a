import test, { type ExecutionContext } from 'ava';
import { closeOnsInTeardown, ons, onsOptions, type OnsConsumer, type OnsProducer } from '../helpers/ali-ons.js';
import { adminClient, createTopic, startBroker, startNameServer, startStandalone, waitForRoute } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

/**
 * ali-ons Producer + push Consumer against real CLI processes (issue 3 "Tests must show" #1):
 * N messages sent, each consumed exactly once, consumed msgIds equal the send results' msgIds.
 * Returns how many sends each broker stored.
 */
async function roundTrip(t: ExecutionContext, nameSrv: string, topic: string, n: number): Promise<Map<string, number>> {
  const consumer: OnsConsumer = new ons.Consumer({ ...onsOptions(nameSrv), consumerGroup: `${topic}CG`, brokerSuspendMaxTimeMillis: 1000 });
  consumer.on('error', () => undefined); // QUERY_NOT_FOUND etc. are expected noise (§2.6)
  const received = new Map<string, string>();
  let duplicates = 0;
  consumer.subscribe(topic, '*', async (msg) => {
    if (received.has(msg.msgId)) duplicates++;
    received.set(msg.msgId, msg.body.toString());
  });
  const producer: OnsProducer = new ons.Producer({ ...onsOptions(nameSrv), producerGroup: `${topic}PG` });
  closeOnsInTeardown(t, [producer, consumer]);
  await Promise.all([consumer.ready(), producer.ready()]);

  const sent = new Map<string, string>();
  const perBroker = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const body = `${topic}-${i}`;
    const r = await producer.send(new ons.Message(topic, 'TagA', body));
    t.is(r.sendStatus, 'SEND_OK');
    sent.set(r.msgId, body);
    perBroker.set(r.messageQueue.brokerName, (perBroker.get(r.messageQueue.brokerName) ?? 0) + 1);
  }
  t.is(sent.size, n, 'distinct msgIds');
  await waitFor(() => received.size >= n, { timeoutMs: 20_000, message: `received ${received.size}/${n}` });
  t.deepEqual([...received.keys()].sort(), [...sent.keys()].sort(), 'msgIds equal');
  for (const [id, body] of sent) t.is(received.get(id), body);
  t.is(duplicates, 0, 'each message consumed once');
  return perBroker;
}

test('ali-ons against `cometmq start` as a child process', async (t) => {
  const node = await startStandalone(t);
  const admin = adminClient(t);
  await createTopic(admin, node.addr, 'OnsStart', 4);
  await waitForRoute(admin, [node.namesrvAddr], 'OnsStart', ['broker-s']);
  const perBroker = await roundTrip(t, node.namesrvAddr, 'OnsStart', 20);
  t.deepEqual([...perBroker.keys()], ['broker-s']);
});

test('ali-ons against 1 name server + 2 brokers in separate processes: sends spread over both', async (t) => {
  const ns = await startNameServer(t);
  const [a, b] = await Promise.all([
    startBroker(t, { brokerName: 'broker-a', namesrv: [ns.addr] }),
    startBroker(t, { brokerName: 'broker-b', namesrv: [ns.addr] }),
  ]);
  const admin = adminClient(t);
  for (const broker of [a!, b!]) await createTopic(admin, broker.addr, 'OnsCluster', 4);
  await waitForRoute(admin, [ns.addr], 'OnsCluster', ['broker-a', 'broker-b']);
  const perBroker = await roundTrip(t, ns.addr, 'OnsCluster', 40);
  t.true((perBroker.get('broker-a') ?? 0) > 0 && (perBroker.get('broker-b') ?? 0) > 0, `spread: ${JSON.stringify([...perBroker])}`);
});
