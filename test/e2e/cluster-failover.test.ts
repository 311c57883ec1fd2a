import test from 'ava';
import { Producer, PushConsumer } from '../../sdk-node/index.js';
import { routedCluster, startBroker, waitForRoute } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const TOPIC = 'Failover';
/** Short client timings so the test follows route changes within a second or two. */
const clientTimings = { clientIP: '127.0.0.1', pollNameServerIntervalMs: 300, heartbeatIntervalMs: 500, requestTimeoutMs: 1000 };

test('kill -9 one of two brokers: sends retry onto the other, consumption continues, the restarted broker delivers what it stored', async (t) => {
  const { namesrvs, brokers, admin } = await routedCluster(t, TOPIC);
  const b = brokers[1];

  const consumed = new Map<string, number>(); // body → times consumed
  const consumer = new PushConsumer({ ...clientTimings, groupName: 'FailoverCG', namesrvAddr: namesrvs, suspendMs: 1000, rebalanceIntervalMs: 500, persistOffsetIntervalMs: 300 });
  consumer.subscribe(TOPIC).onMessage((m) => void consumed.set(m.body.toString(), (consumed.get(m.body.toString()) ?? 0) + 1));
  t.teardown(() => consumer.shutdown());
  await consumer.start();
  const producer = new Producer({ ...clientTimings, groupName: 'FailoverPG', namesrvAddr: namesrvs, sendTimeoutMs: 5000 });
  t.teardown(() => producer.shutdown());
  await producer.start();

  // One sender sending back to back until told to stop; every acknowledged send is recorded.
  const acked = new Map<string, string>(); // body → brokerName
  const failures: string[] = [];
  let killed = false;
  const afterKill: string[] = [];
  let stop = false;
  const sender = (async () => {
    for (let i = 0; !stop; i++) {
      const body = `m${i}`;
      const wasKilled = killed;
      try {
        const r = await producer.send({ topic: TOPIC, body });
        acked.set(body, r.messageQueue.brokerName);
        if (wasKilled) afterKill.push(body);
      } catch (e) {
        failures.push(`${body}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  })();
  t.teardown(async () => {
    stop = true;
    await sender;
  });

  const onB = (): number => [...acked.values()].filter((n) => n === 'broker-b').length;
  await waitFor(() => onB() >= 5 && acked.size >= 20, { timeoutMs: 10_000, message: `acked before kill: ${acked.size}` });
  await b!.kill(); // SIGKILL
  killed = true;
  const storedOnB = new Set([...acked].filter(([, n]) => n === 'broker-b').map(([body]) => body));
  await waitFor(() => afterKill.length >= 30, { timeoutMs: 20_000, message: `acked after kill: ${afterKill.length}; failures ${failures.join('; ')}` });
  stop = true;
  await sender;
  t.deepEqual(failures, [], 'every send succeeded (retried on broker-a when broker-b was gone)');
  t.true(afterKill.slice(5).every((body) => acked.get(body) === 'broker-a'), 'once broker-b is gone, sends land on broker-a');
  // Consumption goes on: everything stored on broker-a is consumed while broker-b is down.
  const onA = [...acked].filter(([, n]) => n === 'broker-a').map(([body]) => body);
  await waitFor(() => onA.every((body) => consumed.has(body)), { timeoutMs: 15_000, message: `consumed from broker-a: ${onA.filter((x) => consumed.has(x)).length}/${onA.length}` });

  // Restart broker-b on its data dir and port: what it had acknowledged is delivered too (at-least-once).
  await startBroker(t, { brokerName: 'broker-b', namesrv: namesrvs, dataDir: b!.dataDir, port: b!.port });
  await waitForRoute(admin, namesrvs, TOPIC, ['broker-a', 'broker-b']);
  t.true(storedOnB.size >= 5);
  await waitFor(() => [...acked.keys()].every((body) => consumed.has(body)), {
    timeoutMs: 20_000,
    message: `not consumed: ${[...acked.keys()].filter((x) => !consumed.has(x)).join(',')}`,
  });
  t.pass(`acked ${acked.size} (${storedOnB.size} on broker-b before the kill), all consumed`);
});
