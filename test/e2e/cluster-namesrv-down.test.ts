import test from 'ava';
import { Producer, PushConsumer } from '../../sdk-node/index.js';
import { closeOnsInTeardown, ons, onsOptions, type OnsProducer } from '../helpers/ali-ons.js';
import { createTopic, routeOf, routedCluster, waitForRoute } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const clientTimings = { clientIP: '127.0.0.1', pollNameServerIntervalMs: 300, heartbeatIntervalMs: 500, requestTimeoutMs: 1000 };

test('one of two name servers killed: sdk-node and ali-ons producers and a push consumer carry on, also for a topic created after the kill', async (t) => {
  const { nameServers, namesrvs, brokers, admin } = await routedCluster(t, 'NsOld', { brokerCount: 1 });
  const [ns1, ns2] = nameServers;
  const broker = brokers[0]!;

  const consumed = new Set<string>();
  const consumer = new PushConsumer({ ...clientTimings, groupName: 'NsDownCG', namesrvAddr: namesrvs, suspendMs: 1000, rebalanceIntervalMs: 500 });
  consumer.subscribe('NsOld').onMessage((m) => void consumed.add(m.body.toString()));
  t.teardown(() => consumer.shutdown());
  await consumer.start();
  const producer = new Producer({ ...clientTimings, groupName: 'NsDownPG', namesrvAddr: namesrvs });
  t.teardown(() => producer.shutdown());
  await producer.start();
  const onsProducer: OnsProducer = new ons.Producer({ ...onsOptions(namesrvs), producerGroup: 'NsDownOnsPG' });
  onsProducer.on('error', () => undefined); // connection refused by the killed name server is expected noise
  closeOnsInTeardown(t, [onsProducer]);
  await onsProducer.ready();

  const sent: string[] = [];
  const sendBoth = async (topic: string, tag: string): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      const sdk = `${topic}-${tag}-sdk-${i}`;
      t.is((await producer.send({ topic, body: sdk })).status, 'SEND_OK');
      const viaOns = `${topic}-${tag}-ons-${i}`;
      t.is((await onsProducer.send(new ons.Message(topic, 'TagA', viaOns))).sendStatus, 'SEND_OK');
      sent.push(sdk, viaOns);
    }
  };
  const allConsumed = (): Promise<void> =>
    waitFor(() => sent.every((b) => consumed.has(b)), { timeoutMs: 15_000, message: `not consumed: ${sent.filter((b) => !consumed.has(b)).join(',')}` });

  await sendBoth('NsOld', 'before');
  await allConsumed();

  await ns1!.kill(); // the first name server in every client's list
  await sendBoth('NsOld', 'after');
  await allConsumed();

  // A topic created after the kill: only the surviving name server can route it.
  await createTopic(admin, broker.addr, 'NsNew', 2);
  await waitForRoute(admin, [ns2!.addr], 'NsNew', ['broker-a']);
  await t.throwsAsync(routeOf(admin, ns1!.addr, 'NsNew'), undefined, 'the killed name server is really gone');
  consumer.subscribe('NsNew');
  await sendBoth('NsNew', 'after');
  await allConsumed();
  t.pass(`${sent.length} messages sent and consumed`);
});
