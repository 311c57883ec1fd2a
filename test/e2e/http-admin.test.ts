import { once } from 'node:events';
import test from 'ava';
import WebSocket from 'ws';
import { systemClock } from '../../kernel/services.js';
import { MESSAGE_STORE, POP } from '../../kernel/tokens.js';
import { httpConfig } from '../../plugins/http/config.js';
import { createHttpDoor } from '../../plugins/http/door.js';
import { isLoopbackAddress } from '../../plugins/http/loopback.js';
import { eventually } from '../helpers/wait.js';
import { call, httpBroker } from './http-helpers.js';

interface Replay {
  messages: { body: string; queueOffset: number; msgId: string }[];
  nextOffset: number;
  minOffset: number;
  maxOffset: number;
}
interface TopicView {
  name: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  queues: { queueId: number; minOffset: number; maxOffset: number }[];
}
interface GroupView {
  name: string;
  config: { name: string } | null;
  members: { clientId: string; door: string; address: string; mode: string; topics: string[] }[];
  offsets: { topic: string; queueId: number; committedOffset: number; maxOffset: number; lag: number; lagMs: number }[];
}

const produce = (base: string, topic: string, bodies: string[], extra: Record<string, unknown> = {}) =>
  call<{ results: { msgId: string; queueOffset: number }[] }>(base, 'POST', `/v1/topics/${topic}/messages`, { messages: bodies.map((body) => ({ body, ...extra })) });

test('replay by offset pages with nextOffset, long polls at the end and corrects a moved offset', async (t) => {
  const { base } = await httpBroker(t);
  t.is((await call(base, 'PUT', '/v1/topics/Log', { readQueueNums: 1, writeQueueNums: 1 })).status, 200);
  await produce(base, 'Log', ['m0', 'm1', 'm2', 'm3', 'm4']);
  const first = await call<Replay>(base, 'GET', '/v1/topics/Log/queues/0/messages?max=2');
  t.deepEqual(first.body.messages.map((m) => m.body), ['m0', 'm1']);
  t.is(first.body.nextOffset, 2);
  t.is(first.body.minOffset, 0);
  t.is(first.body.maxOffset, 5);
  const rest = await call<Replay>(base, 'GET', `/v1/topics/Log/queues/0/messages?offset=${first.body.nextOffset}`);
  t.deepEqual(rest.body.messages.map((m) => m.body), ['m2', 'm3', 'm4']);
  t.is(rest.body.nextOffset, 5);
  const atEnd = await call<Replay>(base, 'GET', '/v1/topics/Log/queues/0/messages?offset=5&waitMs=0');
  t.deepEqual(atEnd.body.messages, []);
  t.is(atEnd.body.nextOffset, 5);
  const waiting = call<Replay>(base, 'GET', '/v1/topics/Log/queues/0/messages?offset=5&waitMs=20000');
  await produce(base, 'Log', ['m5']);
  const woke = await waiting;
  t.deepEqual(woke.body.messages.map((m) => m.body), ['m5']);
  t.is(woke.body.nextOffset, 6);
  const beyond = await call<Replay>(base, 'GET', '/v1/topics/Log/queues/0/messages?offset=99');
  t.deepEqual(beyond.body.messages, []);
  t.is(beyond.body.nextOffset, 6, 'an offset past the end answers the corrected offset');
  const badQueue = await call<{ error: { code: string } }>(base, 'GET', '/v1/topics/Log/queues/3/messages');
  t.is(badQueue.body.error.code, 'QUEUE_ID_INVALID');
});

test('admin reads: topics with offsets, groups with committed offsets and lag in messages and time', async (t) => {
  const { base, messaging } = await httpBroker(t);
  await call(base, 'PUT', '/v1/topics/Lag', { readQueueNums: 1, writeQueueNums: 1 });
  const produced = await produce(base, 'Lag', ['a', 'b', 'c', 'd'], { keys: 'order-7' });
  const topics = await call<{ topics: TopicView[] }>(base, 'GET', '/v1/topics');
  const lagTopic = topics.body.topics.find((x) => x.name === 'Lag');
  t.deepEqual(lagTopic?.queues, [{ queueId: 0, minOffset: 0, maxOffset: 4 }]);
  t.is(lagTopic?.perm, 6);
  t.deepEqual((await call<TopicView>(base, 'GET', '/v1/topics/Lag')).body.queues, [{ queueId: 0, minOffset: 0, maxOffset: 4 }]);

  // A pop consumer takes two and acks them: the group's committed offset moves to 2.
  const got = await call<{ messages: { receiptHandle: string }[] }>(base, 'POST', '/v1/groups/LagGroup/topics/Lag/receive', { max: 2, waitMs: 2000 });
  t.is(got.body.messages.length, 2);
  await call(base, 'POST', '/v1/groups/LagGroup/ack', { receiptHandles: got.body.messages.map((m) => m.receiptHandle) });
  const before = Date.now();
  const group = await call<GroupView>(base, 'GET', '/v1/groups/LagGroup');
  t.is(group.status, 200);
  t.deepEqual(group.body.members, [], 'HTTP receivers are sessionless: no members');
  t.is(group.body.config?.name, 'LagGroup');
  const lag = group.body.offsets.find((o) => o.topic === 'Lag');
  t.like(lag, { queueId: 0, committedOffset: 2, maxOffset: 4, lag: 2 });
  const third = await messaging.read({ topic: 'Lag', queueId: 0, offset: 2, max: 1 });
  if (third.status !== 'found') return t.fail('message 2 is readable');
  t.true(lag !== undefined && lag.lagMs >= 0 && lag.lagMs <= Date.now() - third.messages[0]!.storeTimestamp, 'lagMs = now − store time of the first unconsumed message');
  t.true(lag !== undefined && lag.lagMs >= before - third.messages[0]!.storeTimestamp);
  t.true((await call<{ groups: { name: string }[] }>(base, 'GET', '/v1/groups')).body.groups.some((g) => g.name === 'LagGroup'));
  t.is((await call<{ error: { code: string } }>(base, 'GET', '/v1/groups/NoSuchGroup')).body.error.code, 'GROUP_NOT_FOUND');

  const byId = await call<{ body: string; offsetMsgId: string }>(base, 'GET', `/v1/messages/${produced.body.results[1]!.msgId}`);
  t.is(byId.status, 200);
  t.is(byId.body.body, 'b');
  t.is((await call<{ error: { code: string } }>(base, 'GET', '/v1/messages/00000000000000000000000000000000')).status, 404);
  const byKey = await call<{ messages: { body: string }[] }>(base, 'GET', '/v1/topics/Lag/messages?key=order-7&limit=10');
  t.deepEqual(byKey.body.messages.map((m) => m.body).sort(), ['a', 'b', 'c', 'd']);
});

test('admin writes from loopback: create/update a topic and reset a group\'s offsets by time', async (t) => {
  const { base } = await httpBroker(t);
  const created = await call<TopicView>(base, 'PUT', '/v1/topics/Admin', { readQueueNums: 2, writeQueueNums: 2 });
  t.is(created.status, 200);
  t.like(created.body, { name: 'Admin', readQueueNums: 2, writeQueueNums: 2, perm: 6 });
  const updated = await call<TopicView>(base, 'PUT', '/v1/topics/Admin', { readQueueNums: 4, writeQueueNums: 4, perm: 4 });
  t.like(updated.body, { readQueueNums: 4, writeQueueNums: 4, perm: 4 });
  t.is((await call<{ error: { code: string } }>(base, 'PUT', '/v1/topics/Admin', { readQueueNums: 0, writeQueueNums: 1 })).status, 400);

  await call(base, 'PUT', '/v1/topics/Admin', { readQueueNums: 1, writeQueueNums: 1, perm: 6 });
  await produce(base, 'Admin', ['old-1', 'old-2']);
  const replay = await call<Replay>(base, 'GET', '/v1/topics/Admin/queues/0/messages');
  const cut = (await call<{ storeTimestamp: number }>(base, 'GET', `/v1/messages/${replay.body.messages[1]!.msgId}`)).body.storeTimestamp;
  const reset = await call<{ offsets: { queueId: number; offset: number }[] }>(base, 'POST', '/v1/groups/ResetGroup/offsets/reset', { topic: 'Admin', timestamp: Date.now() + 60_000 });
  t.deepEqual(reset.body.offsets, [{ queueId: 0, offset: 2 }], 'a time after every message → the end of the queue');
  const group = await call<GroupView>(base, 'GET', '/v1/groups/ResetGroup');
  t.like(group.body.offsets[0], { topic: 'Admin', committedOffset: 2, lag: 0, lagMs: 0 });
  const back = await call<{ offsets: { offset: number }[] }>(base, 'POST', '/v1/groups/ResetGroup/offsets/reset', { topic: 'Admin', timestamp: 0 });
  t.deepEqual(back.body.offsets.map((o) => o.offset), [0]);
  t.true(cut > 0);
  t.is((await call<{ error: { code: string } }>(base, 'POST', '/v1/groups/ResetGroup/offsets/reset', { topic: 'NoTopic', timestamp: 0 })).body.error.code, 'TOPIC_NOT_FOUND');
});

test('admin writes are accepted only from loopback addresses', (t) => {
  for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3']) t.true(isLoopbackAddress(a), a);
  for (const a of ['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', '::', '0.0.0.0', 'fe80::1', '128.0.0.1', undefined]) t.false(isLoopbackAddress(a), String(a));
});

test('healthz and readyz; readyz is 503 while the store is not open', async (t) => {
  const { base, kernel, messaging } = await httpBroker(t);
  t.deepEqual((await call(base, 'GET', '/healthz')).body, { status: 'ok' });
  t.deepEqual((await call(base, 'GET', '/readyz')).body, { status: 'ready' });
  t.deepEqual(kernel.doors().find((d) => d.name === 'http')?.addresses(), [base]);

  // A second door over the same services whose store reports itself closed.
  let writable = true;
  const stats = kernel.resolve(MESSAGE_STORE).stats();
  const door = createHttpDoor(
    { messaging, pop: kernel.resolve(POP), clock: systemClock, logger: kernel.logger, store: { stats: () => ({ ...stats, writable }) } },
    httpConfig({ host: '127.0.0.1', port: 0 }),
    [],
  );
  const { port } = await door.start();
  t.teardown(() => door.stop(performance.now() + 2000));
  const other = `http://127.0.0.1:${port}`;
  t.is((await call(other, 'GET', '/readyz')).status, 200);
  writable = false;
  const notReady = await call<{ error: { code: string; message: string } }>(other, 'GET', '/readyz');
  t.is(notReady.status, 503);
  t.is(notReady.body.error.code, 'SERVICE_UNAVAILABLE');
  t.regex(notReady.body.error.message, /store is not open/);
  t.is((await call(other, 'GET', '/healthz')).status, 200, 'still alive');
  await door.stop(performance.now() + 2000);
  t.is(door.address(), undefined);
});

test('a WebSocket subscriber is a member of its group while connected', async (t) => {
  const { base, messaging } = await httpBroker(t);
  await messaging.topics.create({ topicName: 'Members', readQueueNums: 2, writeQueueNums: 2 });
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/ws`);
  t.teardown(() => socket.terminate());
  await once(socket, 'open');
  const subscribed = once(socket, 'message');
  socket.send(JSON.stringify({ op: 'subscribe', id: 's', topic: 'Members', group: 'WsMembers', mode: 'clustering', credits: 1 }));
  const [frame] = (await subscribed) as [Buffer];
  const { subscription } = JSON.parse(String(frame)) as { subscription: string };
  const group = await call<{ members: { clientId: string; door: string; mode: string; topics: string[]; address: string }[] }>(base, 'GET', '/v1/groups/WsMembers');
  t.is(group.status, 200);
  t.is(group.body.members.length, 1);
  t.like(group.body.members[0], { door: 'websocket', mode: 'CLUSTERING', topics: ['Members'] });
  t.true(group.body.members[0]!.clientId.endsWith(`/${subscription}`));
  t.regex(group.body.members[0]!.address, /^(::ffff:)?127\.0\.0\.1:\d+$/);
  socket.close();
  await once(socket, 'close');
  await eventually(async () => {
    const after = await call<{ members: unknown[] }>(base, 'GET', '/v1/groups/WsMembers');
    if (after.body.members.length !== 0) throw new Error('still listed');
  }, { timeoutMs: 5000 });
  t.pass();
});
