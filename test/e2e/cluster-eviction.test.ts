import test from 'ava';
import { CLUSTER_TIMINGS, routedCluster, waitForRoute } from '../helpers/cluster.js';

test('a SIGSTOPped broker (connection open, no registrations) is evicted by both name servers; SIGCONT re-registers it', async (t) => {
  const { namesrvs, brokers, admin } = await routedCluster(t, 'Evict');
  const b = brokers[1];

  const bound = CLUSTER_TIMINGS.brokerExpiryMs + 10 * CLUSTER_TIMINGS.scanIntervalMs + 5000;
  b!.signal('SIGSTOP');
  t.true(b!.alive());
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a'], bound);
  // broker-a keeps registering: it is not evicted along the way.
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a'], 1000);

  b!.signal('SIGCONT');
  await waitForRoute(admin, namesrvs, 'Evict', ['broker-a', 'broker-b'], bound);
});
