import test from 'ava';
import type { Packet } from 'mqtt-packet';
import { waitFor } from '../../../test/helpers/wait.js';
import { collect, connectClient, type MqttBrokerUnderTest, rawPeer, startMqttBroker } from './harness.js';

for (const protocolVersion of [4, 5] as const) {
  const name = protocolVersion === 4 ? '3.1.1 clean=false' : '5 session expiry';
  const persistent = protocolVersion === 4 ? { clean: false } : { clean: false, properties: { sessionExpiryInterval: 300 } };

  test(`persistent session (${name}): subscriptions kept and QoS 1/2 messages queued while offline, delivered on reconnect`, async (t) => {
    const b = await startMqttBroker(t);
    const c1 = await connectClient(t, b.url, { clientId: 'dev-1', protocolVersion, ...persistent });
    await c1.subscribeAsync('fleet/#', { qos: 1 });
    await c1.endAsync();
    const pub = await connectClient(t, b.url, { clientId: 'pub', protocolVersion });
    for (let i = 0; i < 5; i++) await pub.publishAsync('fleet/truck/gps', `p${i}`, { qos: 1 });
    const c2 = await connectClient(t, b.url, { clientId: 'dev-1', protocolVersion, ...persistent });
    const got = collect(c2);
    await waitFor(() => got.length >= 5);
    t.deepEqual(got.map((m) => m.payload.toString()), ['p0', 'p1', 'p2', 'p3', 'p4']);
  });
}

test('persistent session survives a broker restart: subscription and undelivered messages resume', async (t) => {
  const b1 = await startMqttBroker(t);
  const c1 = await connectClient(t, b1.url, { clientId: 'meter-7', clean: false });
  const first = collect(c1);
  await c1.subscribeAsync('meters/#', { qos: 1 });
  const pub = await connectClient(t, b1.url, { clientId: 'pub' });
  await pub.publishAsync('meters/7/kwh', 'before', { qos: 1 });
  await waitFor(() => first.length >= 1);
  await c1.endAsync();
  await pub.publishAsync('meters/7/kwh', 'offline-1', { qos: 1 });
  await pub.publishAsync('meters/7/kwh', 'offline-2', { qos: 2 });
  pub.end(true);
  await b1.stop();

  const b2 = await startMqttBroker(t, { dataDir: b1.dataDir });
  const c2 = await connectClient(t, b2.url, { clientId: 'meter-7', clean: false });
  t.true(c2.connected);
  const got = collect(c2);
  await waitFor(() => got.length >= 2);
  const pub2 = await connectClient(t, b2.url, { clientId: 'pub' });
  await pub2.publishAsync('meters/7/kwh', 'after', { qos: 1 });
  await waitFor(() => got.length >= 3);
  t.deepEqual(got.map((m) => m.payload.toString()), ['offline-1', 'offline-2', 'after']);
});

test('clean session: nothing kept after disconnect; session present is false', async (t) => {
  const b = await startMqttBroker(t);
  const c1 = await connectClient(t, b.url, { clientId: 'tmp', clean: true });
  await c1.subscribeAsync('x/#', { qos: 1 });
  await c1.endAsync();
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  await pub.publishAsync('x/y', 'missed', { qos: 1 });
  const c2 = await connectClient(t, b.url, { clientId: 'tmp', clean: true });
  const got = collect(c2);
  await c2.subscribeAsync('x/#', { qos: 1 });
  await pub.publishAsync('x/y', 'seen', { qos: 1 });
  await waitFor(() => got.length >= 1);
  t.deepEqual(got.map((m) => m.payload.toString()), ['seen']);
});

test('unacknowledged QoS 1 deliveries are resent with DUP after a reconnect', async (t) => {
  const b = await startMqttBroker(t);
  // An MQTT 5 client that never acknowledges (mqtt.js customHandleAcks without calling done).
  const held: string[] = [];
  const persistent = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } };
  const c1 = await connectClient(t, b.url, { clientId: 'slow', ...persistent, customHandleAcks: (_topic, payload) => void held.push(payload.toString()) });
  await c1.subscribeAsync('jobs/#', { qos: 1 });
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  await pub.publishAsync('jobs/a', 'j1', { qos: 1 });
  await waitFor(() => held.length >= 1);
  c1.stream.destroy();
  const c2 = await connectClient(t, b.url, { clientId: 'slow', ...persistent });
  const got = collect(c2);
  await waitFor(() => got.length >= 1);
  t.is(got[0]!.payload.toString(), 'j1');
  t.true(got[0]!.packet.dup);
});

test('a second connection with the same client id takes the session over (MQTT 5: DISCONNECT 0x8E to the first)', async (t) => {
  const b = await startMqttBroker(t);
  const c1 = await connectClient(t, b.url, { clientId: 'twin', protocolVersion: 5 });
  const reason = new Promise<number | undefined>((resolve) => c1.on('disconnect', (p) => resolve(p.reasonCode)));
  await connectClient(t, b.url, { clientId: 'twin', protocolVersion: 5 });
  t.is(await reason, 0x8e);
});

test('QoS 2 packet ids awaiting PUBREL survive a broker restart: the resend is acknowledged, not stored again', async (t) => {
  const stored = (b: MqttBrokerUnderTest): number => {
    const queues = b.messaging.topics.get('plant')?.readQueueNums ?? 0;
    let n = 0;
    for (let q = 0; q < queues; q++) n += b.messaging.maxOffset('plant', q);
    return n;
  };
  const publish = (messageId: number, body: string, dup: boolean): Packet => ({ cmd: 'publish', topic: 'plant/boiler', payload: Buffer.from(body), qos: 2, messageId, dup, retain: false });
  const count = (peer: Awaited<ReturnType<typeof rawPeer>>, cmd: string, id: number): number => peer.packets.filter((p) => p.cmd === cmd && 'messageId' in p && p.messageId === id).length;

  const b1 = await startMqttBroker(t);
  const peer1 = await rawPeer(t, b1.port);
  peer1.connect({ clientId: 'sensor-9', clean: false });
  await waitFor(() => peer1.packets.some((p) => p.cmd === 'connack'));
  peer1.send(publish(7, 'once', false));
  await waitFor(() => count(peer1, 'pubrec', 7) === 1);
  t.is(stored(b1), 1);
  peer1.end();
  await peer1.closed;
  await b1.stop();

  const b2 = await startMqttBroker(t, { dataDir: b1.dataDir });
  const peer2 = await rawPeer(t, b2.port);
  peer2.connect({ clientId: 'sensor-9', clean: false });
  await waitFor(() => peer2.packets.some((p) => p.cmd === 'connack'));
  t.like(peer2.packets.find((p) => p.cmd === 'connack'), { sessionPresent: true, returnCode: 0 });
  // The client never saw PUBREC's effect complete: it resends the PUBLISH with DUP (§4.4).
  peer2.send(publish(7, 'once', true));
  await waitFor(() => count(peer2, 'pubrec', 7) === 1);
  t.is(stored(b2), 1, 'the resend is not stored a second time');
  peer2.send({ cmd: 'pubrel', messageId: 7 });
  await waitFor(() => count(peer2, 'pubcomp', 7) === 1);
  // Released: the id is free again, and a new message with it is stored.
  peer2.send(publish(7, 'next', false));
  await waitFor(() => count(peer2, 'pubrec', 7) === 2);
  t.is(stored(b2), 2);
});
