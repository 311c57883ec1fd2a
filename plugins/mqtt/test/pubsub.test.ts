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

test('filters starting with a wildcard read every topic, also ones created after SUBSCRIBE; not retry or DLQ topics', async (t) => {
  const b = await startMqttBroker(t);
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  await pub.publishAsync('alpha/x', 'a1', { qos: 1 });
  const all = await connectClient(t, b.url, { clientId: 'all', protocolVersion: 5 });
  await all.subscribeAsync('#', { qos: 1 });
  const status = await connectClient(t, b.url, { clientId: 'status' });
  await status.subscribeAsync('+/status', { qos: 1 });
  await pub.publishAsync('alpha/status', 'a2', { qos: 1 });
  await pub.publishAsync('beta/status', 'b1', { qos: 1 });
  await pub.publishAsync('gamma/other', 'g1', { qos: 1 });
  await b.messaging.produce({ topic: '%DLQ%somegroup', body: Buffer.from('dead') });
  await waitFor(() => collect(all).length >= 3 && collect(status).length >= 2);
  // A later message on an existing topic: by then the DLQ message would have had its chance too.
  await pub.publishAsync('alpha/end', 'a3', { qos: 1 });
  await waitFor(() => collect(all).some((m) => m.payload.toString() === 'a3'));
  t.deepEqual(collect(all).map((m) => m.payload.toString()).sort(), ['a2', 'a3', 'b1', 'g1']);
  t.deepEqual(collect(status).map((m) => m.topic).sort(), ['alpha/status', 'beta/status']);
});
