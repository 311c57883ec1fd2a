import test from 'ava';
import fc from 'fast-check';
import { generate } from 'mqtt-packet';
import { mutatedChunks } from '../../../test/helpers/fuzz.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { collect, connectClient, rawPeer, startMqttBroker } from './harness.js';

test('a packet before CONNECT closes the connection', async (t) => {
  const b = await startMqttBroker(t);
  const peer = await rawPeer(t, b.port);
  peer.send({ cmd: 'pingreq' });
  await peer.closed;
  t.deepEqual(peer.packets, []);
});

test('a second CONNECT is a protocol error (MQTT 5: DISCONNECT 0x82)', async (t) => {
  const b = await startMqttBroker(t);
  const peer = await rawPeer(t, b.port, 5);
  peer.connect();
  await waitFor(() => peer.packets.length >= 1);
  peer.connect();
  await peer.closed;
  t.like(peer.packets[1], { cmd: 'disconnect', reasonCode: 0x82 });
});

test('PUBLISH to a topic with wildcards: MQTT 5 DISCONNECT 0x90; MQTT 3.1.1 close', async (t) => {
  const b = await startMqttBroker(t);
  const v5 = await rawPeer(t, b.port, 5);
  v5.connect();
  await waitFor(() => v5.packets.length >= 1);
  v5.send({ cmd: 'publish', topic: 'a/+/c', payload: Buffer.from('x'), qos: 1, messageId: 1, retain: false, dup: false });
  await v5.closed;
  t.like(v5.packets[1], { cmd: 'disconnect', reasonCode: 0x90 });
  const v4 = await rawPeer(t, b.port, 4);
  v4.connect();
  await waitFor(() => v4.packets.length >= 1);
  v4.send({ cmd: 'publish', topic: 'a/#', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
  await v4.closed;
  t.is(v4.packets.length, 1);
});

test('MQTT 5: a topic this broker refuses ($-topic, bad first level) gets PUBACK 0x90, the connection stays', async (t) => {
  const b = await startMqttBroker(t);
  const c = await connectClient(t, b.url, { clientId: 'c', protocolVersion: 5 });
  const err = await c.publishAsync('bad.topic/x', 'x', { qos: 1 }).then(
    () => undefined,
    (e: unknown) => e as { code?: number },
  );
  t.is(err?.code, 0x90);
  t.true(c.connected);
  await c.publishAsync('good/x', 'y', { qos: 1 });
});

test('invalid topic filters get a failure code per filter in SUBACK; the valid ones are granted', async (t) => {
  const b = await startMqttBroker(t);
  const subscriptions = [
    { topic: 'ok/#', qos: 1 as const },
    { topic: 'bad/#/x', qos: 1 as const },
    { topic: '$share/g/#', qos: 0 as const },
    { topic: 'a+/b', qos: 0 as const },
    { topic: '$share/g/ok/+', qos: 2 as const },
  ];
  for (const [version, failure] of [[5, 0x8f], [4, 0x80]] as const) {
    const peer = await rawPeer(t, b.port, version);
    peer.connect({ clientId: `subs-${version}` });
    await waitFor(() => peer.packets.length >= 1);
    peer.send({ cmd: 'subscribe', messageId: 9, subscriptions });
    await waitFor(() => peer.packets.length >= 2);
    t.like(peer.packets[1], { cmd: 'suback', messageId: 9, granted: [1, failure, failure, failure, 2] }, `MQTT level ${version}`);
  }
});

test('a packet over maxPacketBytes closes the connection (MQTT 5: DISCONNECT 0x95); nothing of it is stored', async (t) => {
  const b = await startMqttBroker(t, { plugins: { mqtt: { maxPacketBytes: 4096 } } });
  const watcher = await connectClient(t, b.url, { clientId: 'w' });
  await watcher.subscribeAsync('big/#', { qos: 1 });
  const peer = await rawPeer(t, b.port, 5);
  peer.connect();
  await waitFor(() => peer.packets.length >= 1);
  t.like(peer.packets[0], { cmd: 'connack', properties: { maximumPacketSize: 4096 } });
  peer.send({ cmd: 'publish', topic: 'big/x', payload: Buffer.alloc(10_000, 1), qos: 1, messageId: 1, retain: false, dup: false });
  await peer.closed;
  t.like(peer.packets[1], { cmd: 'disconnect', reasonCode: 0x95 });
  const pub = await connectClient(t, b.url, { clientId: 'p' });
  await pub.publishAsync('big/y', 'small', { qos: 1 });
  await waitFor(() => collect(watcher).length >= 1);
  t.deepEqual(collect(watcher).map((m) => m.payload.toString()), ['small']);
});

test('a payload over the store limit is refused with a reason code (MQTT 5) and nothing accepted before it is lost', async (t) => {
  const b = await startMqttBroker(t, { plugins: { 'store-commitlog': { maxMessageBytes: 1024 } } });
  const c = await connectClient(t, b.url, { clientId: 'c', protocolVersion: 5 });
  const got = collect(c);
  await c.subscribeAsync('limits/#', { qos: 1 });
  await c.publishAsync('limits/a', 'fits', { qos: 1 });
  const err = await c.publishAsync('limits/b', Buffer.alloc(5000), { qos: 1 }).then(
    () => undefined,
    (e: unknown) => e as { code?: number },
  );
  t.is(err?.code, 0x83);
  await waitFor(() => got.length >= 1);
  t.deepEqual(got.map((m) => m.payload.toString()), ['fits']);
});

test('MQTT 3.1.1: an empty client id with CleanSession=0 is refused (CONNACK 2)', async (t) => {
  const b = await startMqttBroker(t);
  const peer = await rawPeer(t, b.port, 4);
  // mqtt-packet will not generate this CONNECT, so it is written by hand (§3.1): level 4, flags 0, keep-alive 30, empty id.
  peer.write(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x1e, 0x00, 0x00]));
  await peer.closed;
  t.like(peer.packets[0], { cmd: 'connack', returnCode: 2 });
});

test('fuzz: random and mutated packets never crash the broker; it keeps serving', async (t) => {
  const b = await startMqttBroker(t);
  const valid = [
    generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'fz', clean: true, keepalive: 10 }),
    generate({ cmd: 'publish', topic: 'fz/a', payload: Buffer.from('p'), qos: 1, messageId: 3, retain: false, dup: false }),
    generate({ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'fz/#', qos: 1 }] }),
  ];
  await fc.assert(
    fc.asyncProperty(mutatedChunks(valid), async (chunks) => {
      const peer = await rawPeer(t, b.port, 4);
      peer.write(valid[0]!);
      for (const c of chunks) peer.write(c);
      // The client hangs up; the broker must close its side too (whatever state the bytes left it in).
      peer.end();
      await peer.closed;
    }),
    { numRuns: 200 },
  );
  const c = await connectClient(t, b.url, { clientId: 'after-fuzz' });
  await c.publishAsync('fz/ok', 'still serving', { qos: 1 });
  t.true(c.connected);
});

test('keep-alive: a client silent for 1.5 × its keep-alive is disconnected (MQTT 5: 0x8D) and its will published', async (t) => {
  const b = await startMqttBroker(t);
  const watcher = await connectClient(t, b.url, { clientId: 'w' });
  await watcher.subscribeAsync('ka/#', { qos: 1 });
  const peer = await rawPeer(t, b.port, 5);
  peer.connect({ clientId: 'silent', keepalive: 1, will: { topic: 'ka/silent', payload: Buffer.from('timed out'), qos: 1, retain: false } });
  await peer.closed;
  t.like(peer.packets.at(-1), { cmd: 'disconnect', reasonCode: 0x8d });
  await waitFor(() => collect(watcher).length >= 1);
  t.is(collect(watcher)[0]!.payload.toString(), 'timed out');
});
