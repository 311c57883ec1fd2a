import test from 'ava';
import { eventually, waitFor } from '../../../test/helpers/wait.js';
import type { Packet } from 'mqtt-packet';
import { collect, connectClient, rawPeer, startMqttBroker } from './harness.js';

test('retained: a new subscriber gets the last retained message per topic; replace and clear with an empty payload', async (t) => {
  const b = await startMqttBroker(t);
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  await pub.publishAsync('home/lamp/state', 'on', { qos: 1, retain: true });
  await pub.publishAsync('home/lamp/state', 'off', { qos: 1, retain: true });
  await pub.publishAsync('home/door/state', 'open', { qos: 1, retain: true });
  await pub.publishAsync('home/door/state', '', { qos: 1, retain: true });
  await pub.publishAsync('home/fan/state', 'slow', { qos: 0, retain: false });

  const sub = await connectClient(t, b.url, { clientId: 'late' });
  const got = collect(sub);
  await sub.subscribeAsync('home/+/state', { qos: 1 });
  await waitFor(() => got.length >= 1);
  // Anything else would have come in the same burst right after SUBACK; a later live publish proves the order.
  await pub.publishAsync('home/lamp/state', 'dim', { qos: 1 });
  await waitFor(() => got.length >= 2);
  t.deepEqual(
    got.map((m) => [m.topic, m.payload.toString(), m.packet.retain]),
    [
      ['home/lamp/state', 'off', true],
      ['home/lamp/state', 'dim', false],
    ],
  );
});

test('retained messages survive a broker restart', async (t) => {
  const b1 = await startMqttBroker(t);
  const pub = await connectClient(t, b1.url, { clientId: 'pub' });
  await pub.publishAsync('plant/line1/speed', '42', { qos: 1, retain: true });
  pub.end(true);
  await b1.stop();
  const b2 = await startMqttBroker(t, { dataDir: b1.dataDir });
  const sub = await connectClient(t, b2.url, { clientId: 'sub' });
  const got = collect(sub);
  await sub.subscribeAsync('plant/#', { qos: 1 });
  await waitFor(() => got.length >= 1);
  t.deepEqual([got[0]!.topic, got[0]!.payload.toString(), got[0]!.packet.retain], ['plant/line1/speed', '42', true]);
});

test('MQTT 5 retain handling 2 sends no retained messages; 1 only for a new subscription', async (t) => {
  const b = await startMqttBroker(t);
  const pub = await connectClient(t, b.url, { clientId: 'pub', protocolVersion: 5 });
  await pub.publishAsync('cfg/a', 'A', { qos: 1, retain: true });
  const sub = await connectClient(t, b.url, { clientId: 'sub', protocolVersion: 5 });
  const got = collect(sub);
  await sub.subscribeAsync('cfg/#', { qos: 1, rh: 2 });
  await sub.subscribeAsync('cfg/a', { qos: 1, rh: 1 });
  await sub.subscribeAsync('cfg/a', { qos: 1, rh: 1 });
  await pub.publishAsync('cfg/b', 'live', { qos: 1 });
  await waitFor(() => got.some((m) => m.payload.toString() === 'live'));
  t.deepEqual(got.map((m) => m.payload.toString()), ['A', 'live']);
});

test('last will: published when the connection drops, not after a normal DISCONNECT', async (t) => {
  const b = await startMqttBroker(t);
  const watcher = await connectClient(t, b.url, { clientId: 'watcher' });
  const got = collect(watcher);
  await watcher.subscribeAsync('status/#', { qos: 1 });
  const polite = await connectClient(t, b.url, { clientId: 'polite', will: { topic: 'status/polite', payload: Buffer.from('gone'), qos: 1, retain: false } });
  await polite.endAsync();
  const rude = await connectClient(t, b.url, { clientId: 'rude', will: { topic: 'status/rude', payload: Buffer.from('lost'), qos: 1, retain: true } });
  rude.stream.destroy();
  await waitFor(() => got.length >= 1);
  t.deepEqual(got.map((m) => [m.topic, m.payload.toString()]), [['status/rude', 'lost']]);
  // Retained will: a late subscriber sees it too.
  const late = await connectClient(t, b.url, { clientId: 'late' });
  const lateGot = collect(late);
  await late.subscribeAsync('status/rude', { qos: 1 });
  await eventually(() => t.deepEqual(lateGot.map((m) => m.payload.toString()), ['lost']));
});

test('MQTT 5 will delay: not published when the client comes back in time; published after the delay otherwise', async (t) => {
  const b = await startMqttBroker(t);
  const watcher = await connectClient(t, b.url, { clientId: 'watcher', protocolVersion: 5 });
  const got = collect(watcher);
  await watcher.subscribeAsync('presence/#', { qos: 1 });
  const opts = (id: string, delay: number) => ({
    clientId: id,
    protocolVersion: 5 as const,
    clean: false,
    properties: { sessionExpiryInterval: 60 },
    will: { topic: `presence/${id}`, payload: Buffer.from('offline'), qos: 1 as const, retain: false, properties: { willDelayInterval: delay } },
  });
  const back = await connectClient(t, b.url, opts('back', 30));
  back.stream.destroy();
  await connectClient(t, b.url, opts('back', 30));
  const gone = await connectClient(t, b.url, opts('gone', 1));
  gone.stream.destroy();
  await waitFor(() => got.length >= 1, { timeoutMs: 5000 });
  t.deepEqual(got.map((m) => m.topic), ['presence/gone']);
});

test('MQTT 5: retained messages for a new subscription respect the client\'s Receive Maximum', async (t) => {
  const b = await startMqttBroker(t);
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  for (let i = 0; i < 6; i++) await pub.publishAsync(`dev/${i}/state`, `s${i}`, { qos: 1, retain: true });
  const peer = await rawPeer(t, b.port, 5);
  peer.connect({ clientId: 'small', properties: { receiveMaximum: 2 } });
  await waitFor(() => peer.packets.length >= 1);
  peer.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'dev/+/state', qos: 1 }] });
  const publishes = (): Extract<Packet, { cmd: 'publish' }>[] => peer.packets.filter((p): p is Extract<Packet, { cmd: 'publish' }> => p.cmd === 'publish');
  await waitFor(() => publishes().length >= 2);
  // Nothing more until one is acknowledged: a round trip (PINGREQ → PINGRESP) shows the broker idle.
  peer.send({ cmd: 'pingreq' });
  await waitFor(() => peer.packets.some((p) => p.cmd === 'pingresp'));
  t.is(publishes().length, 2);
  for (let acked = 0; acked < 6; acked++) {
    await waitFor(() => publishes().length > acked);
    peer.send({ cmd: 'puback', messageId: publishes()[acked]!.messageId!, reasonCode: 0 });
  }
  await waitFor(() => publishes().length >= 6);
  t.deepEqual(publishes().map((p) => p.payload.toString()).sort(), ['s0', 's1', 's2', 's3', 's4', 's5']);
});
