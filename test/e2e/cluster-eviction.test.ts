import test from 'ava';
import { adminClient, CLUSTER_TIMINGS, createTopic, startBroker, startNameServer, waitForRoute } from '../helpers/cluster.js';

test('a SIGSTOPped broker (connection open, no registrations) is evicted by both name servers; SIGCONT re-registers it', async (t) => {
  const [ns1, ns2] = await Promise.all([startNameServer(t), startNameServer(t)]);
  const namesrvs = [ns1!.addr, ns2!.addr];
  const [a, b] = await Promise.all([
    startBroker(t, { brokerName: 'broker-a', namesrv: namesrvs }),
    startBroker(t, { brokerName: 'broker-b', namesrv: namesrvs }),
  ]);
  const admin = adminClient(t);
  for (const broker of [a!, b!]) await createTopic(admin, broker.addr, 'Evict', 2);
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a', 'broker-b']);

  const bound = CLUSTER_TIMINGS.brokerExpiryMs + 10 * CLUSTER_TIMINGS.scanIntervalMs + 5000;
  b!.signal('SIGSTOP');
  t.true(b!.alive());
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a'], bound);
  // broker-a keeps registering: it is not evicted along the way.
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a'], 1000);

  b!.signal('SIGCONT');
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a', 'broker-b'], bound);
});
