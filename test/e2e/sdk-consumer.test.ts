import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Producer, PullConsumer, PushConsumer, type PushConsumerOptions, type ReceivedMessage } from '../../sdk-node/index.js';
import { eventually } from '../helpers/wait.js';
import { sdkCluster } from './sdk-helpers.js';
import { isDeepStrictEqual } from 'node:util';

function same(a: unknown, b: unknown, what = 'values'): void {
  if (!isDeepStrictEqual(a, b)) throw new Error(`${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

const base = { clientIP: '127.0.0.1', suspendMs: 1000 };

async function producerFor(t: ExecutionContext, namesrvAddr: string, topic: string): Promise<Producer> {
  const p = new Producer({ groupName: 'PG', namesrvAddr, ...base });
  await p.start();
  t.teardown(() => p.shutdown());
  await eventually(() => p.send({ topic, body: 'warmup', tags: 'warmup' }), { message: `route of ${topic}` });
  return p;
}

function consumer(t: ExecutionContext, opts: PushConsumerOptions, topic: string, expr = '*'): { c: PushConsumer; got: ReceivedMessage[] } {
  const got: ReceivedMessage[] = [];
  const c = new PushConsumer({ ...base, ...opts });
  c.subscribe(topic, expr).onMessage((m) => void got.push(m));
  t.teardown(() => c.shutdown());
  return { c, got };
}

const bodies = (msgs: readonly ReceivedMessage[]): string[] => msgs.map((m) => m.body.toString()).filter((b) => b !== 'warmup');

test('clustering: 3 members on a 6-queue topic own 2 queues each and consume every message once; a second group gets all too', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkC', readQueueNums: 6, writeQueueNums: 6 });
  const producer = await producerFor(t, namesrvAddr, 'SdkC');
  const members = [1, 2, 3].map((i) => consumer(t, { groupName: 'G1', namesrvAddr, instanceName: `m${i}` }, 'SdkC'));
  const other = consumer(t, { groupName: 'G2', namesrvAddr, instanceName: 'g2' }, 'SdkC');
  for (const m of [...members, other]) await m.c.start();
  await eventually(async () => {
    await Promise.all(members.map((m) => m.c.rebalance()));
    const owned = members.map((m) => m.c.assignedQueues().filter((q) => q.topic === 'SdkC').length);
    same(owned, [2, 2, 2], 'owned');
  }, { timeoutMs: 10000, message: 'balanced' });
  const all = new Set(members.flatMap((m) => m.c.assignedQueues().filter((q) => q.topic === 'SdkC').map((q) => q.queueId)));
  t.is(all.size, 6);
  const n = 60;
  for (let i = 0; i < n; i++) await producer.send({ topic: 'SdkC', body: `m${i}` });
  const expected = Array.from({ length: n }, (_, i) => `m${i}`).sort();
  await eventually(() => same(bodies(members.flatMap((m) => m.got)).sort(), expected), { timeoutMs: 15000 });
  await eventually(() => same(bodies(other.got).sort(), expected), { timeoutMs: 15000 });
  for (const m of members) t.true(bodies(m.got).length > 0, 'every member consumed some');
});

test('broadcasting: every member receives every message; offsets go to a local file', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-bc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await messaging.topics.create({ topicName: 'SdkB', readQueueNums: 3, writeQueueNums: 3 });
  const producer = await producerFor(t, namesrvAddr, 'SdkB');
  const members = [1, 2].map((i) => consumer(t, { groupName: 'GB', namesrvAddr, messageModel: 'BROADCASTING', instanceName: `b${i}`, offsetStoreDir: dir }, 'SdkB'));
  for (const m of members) await m.c.start();
  for (const m of members) t.is(m.c.assignedQueues().length, 3);
  for (let i = 0; i < 20; i++) await producer.send({ topic: 'SdkB', body: `b${i}` });
  const expected = Array.from({ length: 20 }, (_, i) => `b${i}`).sort();
  for (const m of members) await eventually(() => same(bodies(m.got).sort(), expected), { timeoutMs: 15000 });
});

test('orderly listener with concurrent sharding-key producers keeps per-key order', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkO', readQueueNums: 4, writeQueueNums: 4 });
  const producers = [await producerFor(t, namesrvAddr, 'SdkO'), await producerFor(t, namesrvAddr, 'SdkO')];
  const got: ReceivedMessage[] = [];
  let failedOnce = false;
  const c = new PushConsumer({ ...base, groupName: 'GO', namesrvAddr, localRetryDelayMs: 20 });
  c.subscribe('SdkO').onMessage(async (m) => {
    if (!failedOnce && m.body.toString() === 'k1:3') {
      failedOnce = true;
      throw new Error('fail once: re-consumed locally in order');
    }
    got.push(m);
  }, { orderly: true });
  t.teardown(() => c.shutdown());
  await c.start();
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
  await Promise.all(
    producers.map(async (p, pi) => {
      for (let i = 0; i < 10; i++) {
        for (const k of keys) if (keys.indexOf(k) % 2 === pi) await p.send({ topic: 'SdkO', body: `${k}:${i}` }, { shardingKey: k });
      }
    }),
  );
  await eventually(() => same(bodies(got).length, 50), { timeoutMs: 15000 });
  t.true(failedOnce);
  for (const k of keys) {
    const seq = bodies(got).filter((b) => b.startsWith(`${k}:`)).map((b) => Number(b.split(':')[1]));
    t.deepEqual(seq, Array.from({ length: 10 }, (_, i) => i), `order of ${k}`);
  }
});

test('a thrown listener error is retried through the retry topic with the original topic shown', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t, { messaging: { delayLevels: '100ms 200ms 300ms 400ms 500ms' } });
  await messaging.topics.create({ topicName: 'SdkR', readQueueNums: 2, writeQueueNums: 2 });
  const producer = await producerFor(t, namesrvAddr, 'SdkR');
  const seen: ReceivedMessage[] = [];
  const c = new PushConsumer({ ...base, groupName: 'GR', namesrvAddr, rebalanceIntervalMs: 300 });
  c.subscribe('SdkR', 'TagA').onMessage((m) => {
    seen.push(m);
    if (m.reconsumeTimes === 0) throw new Error('first attempt fails');
  });
  t.teardown(() => c.shutdown());
  await c.start();
  await producer.send({ topic: 'SdkR', body: 'retry-me', tags: 'TagA' });
  const retried = await eventually(() => {
    const retried = seen.find((m) => m.reconsumeTimes === 1);
    if (retried === undefined) throw new Error(`seen ${seen.length}`);
    return retried;
  }, { timeoutMs: 15000 });
  t.is(retried.topic, 'SdkR');
  t.is(retried.sourceTopic, '%RETRY%GR');
  t.is(retried.body.toString(), 'retry-me');
});

test('async iterator with explicit ack, and a pull consumer with poll/commit/seek', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkI', readQueueNums: 1, writeQueueNums: 1 });
  const producer = await producerFor(t, namesrvAddr, 'SdkI');
  for (let i = 0; i < 5; i++) await producer.send({ topic: 'SdkI', body: `i${i}` });
  const c = new PushConsumer({ ...base, groupName: 'GI', namesrvAddr });
  c.subscribe('SdkI');
  const iter = c.messages();
  t.teardown(() => c.shutdown());
  await c.start();
  const got: string[] = [];
  for await (const msg of iter) {
    msg.ack();
    if (msg.body.toString() !== 'warmup') got.push(msg.body.toString());
    if (got.length === 5) break;
  }
  t.deepEqual(got.sort(), ['i0', 'i1', 'i2', 'i3', 'i4']);

  const pc = new PullConsumer({ ...base, groupName: 'GP', namesrvAddr });
  await pc.start();
  t.teardown(() => pc.shutdown());
  const mq = { topic: 'SdkI', brokerName: 'broker-a', queueId: 0 };
  await pc.assign([mq]);
  const polled: ReceivedMessage[] = [];
  await eventually(async () => {
    polled.push(...(await pc.poll({ timeoutMs: 500 })));
    same(polled.length, 6, 'polled');
  }, { timeoutMs: 10000 });
  await pc.commit();
  pc.seek(mq, 3);
  const again = await eventually(async () => {
    const r = await pc.poll({ timeoutMs: 500 });
    if (r.length === 0) throw new Error('nothing yet');
    return r;
  });
  t.is(again[0]!.queueOffset, 3);
});
