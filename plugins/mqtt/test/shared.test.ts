import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { collect, connectClient, startMqttBroker } from './harness.js';

test('shared subscription $share/{group}/{filter}: each message to one member; a plain subscriber still gets all', async (t) => {
  const b = await startMqttBroker(t);
  const members = await Promise.all(['w1', 'w2', 'w3'].map((id) => connectClient(t, b.url, { clientId: id, protocolVersion: 5 })));
  for (const m of members) await m.subscribeAsync('$share/workers/tasks/#', { qos: 1 });
  const observer = await connectClient(t, b.url, { clientId: 'observer' });
  await observer.subscribeAsync('tasks/#', { qos: 1 });
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  const n = 60;
  for (let i = 0; i < n; i++) await pub.publishAsync(`tasks/t${i % 6}`, `job-${i}`, { qos: 1 });
  const got = members.map((m) => collect(m));
  await waitFor(() => got.reduce((s, g) => s + g.length, 0) >= n && collect(observer).length >= n, { timeoutMs: 10_000 });
  const all = got.flatMap((g) => g.map((m) => m.payload.toString()));
  t.is(all.length, n, 'no duplicates across members');
  t.is(new Set(all).size, n);
  t.true(got.filter((g) => g.length > 0).length >= 2, 'spread over more than one member');
  t.is(collect(observer).length, n);
  t.true(b.messaging.groups.get('workers') !== undefined, 'the share name is the clustering consumer group');
});

test('a shared delivery not acknowledged goes to another member when its member disconnects', async (t) => {
  const b = await startMqttBroker(t);
  const held: string[] = [];
  const lazy = await connectClient(t, b.url, { clientId: 'lazy', protocolVersion: 5, customHandleAcks: (_t, payload) => void held.push(payload.toString()) });
  await lazy.subscribeAsync('$share/g1/work/#', { qos: 1 });
  const pub = await connectClient(t, b.url, { clientId: 'pub' });
  await pub.publishAsync('work/x', 'only-one', { qos: 1 });
  await waitFor(() => held.length >= 1);
  const eager = await connectClient(t, b.url, { clientId: 'eager', protocolVersion: 5 });
  await eager.subscribeAsync('$share/g1/work/#', { qos: 1 });
  lazy.stream.destroy();
  await waitFor(() => collect(eager).length >= 1);
  t.is(collect(eager)[0]!.payload.toString(), 'only-one');
});
