import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { collect, connectClient, startMqttBroker } from './harness.js';

for (const protocolVersion of [4, 5] as const) {
  for (const qos of [0, 1, 2] as const) {
    test(`mqtt.js v${protocolVersion === 4 ? '3.1.1' : '5'}: QoS ${qos} publish reaches a subscriber with a wildcard filter`, async (t) => {
      const b = await startMqttBroker(t);
      const sub = await connectClient(t, b.url, { protocolVersion, clientId: 'sub' });
      const got = collect(sub);
      const granted = await sub.subscribeAsync('sensors/+/temp', { qos });
      t.is(granted[0]?.qos, qos);
      const pub = await connectClient(t, b.url, { protocolVersion, clientId: 'pub' });
      await pub.publishAsync('sensors/kitchen/temp', '21.5', { qos });
      await pub.publishAsync('sensors/kitchen/humidity', '40', { qos });
      await pub.publishAsync('sensors/hall/temp', '19', { qos });
      await waitFor(() => got.length >= 2);
      t.deepEqual(got.map((m) => [m.topic, m.payload.toString()]).sort(), [
        ['sensors/hall/temp', '19'],
        ['sensors/kitchen/temp', '21.5'],
      ]);
      t.true(got.every((m) => m.packet.qos === qos));
    });
  }
}

test('messages of one MQTT topic arrive in publish order (ordered topic, §4.6), across QoS levels', async (t) => {
  const b = await startMqttBroker(t);
  const sub = await connectClient(t, b.url, { clientId: 'sub' });
  const got = collect(sub);
  await sub.subscribeAsync('orders/#', { qos: 2 });
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  const n = 200;
  await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync(`orders/eu/${i % 3}`, String(i), { qos: ((i % 3) as 0 | 1 | 2) })));
  await waitFor(() => got.length >= n, { timeoutMs: 10_000 });
  for (const topic of ['orders/eu/0', 'orders/eu/1', 'orders/eu/2']) {
    const seq = got.filter((m) => m.topic === topic).map((m) => Number(m.payload.toString()));
    t.deepEqual(seq, [...seq].sort((a, b) => a - b), topic);
  }
  t.is(got.length, n);
});
