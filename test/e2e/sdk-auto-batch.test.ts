import test, { type ExecutionContext } from 'ava';
import type { Messaging } from '../../kernel/messaging/api.js';
import { Producer, type SendResult } from '../../sdk-node/index.js';
import { eventually } from '../helpers/wait.js';
import { sdkCluster } from './sdk-helpers.js';

/** Every stored body of a topic, per queue in offset order. */
async function bodiesOf(messaging: Messaging, topic: string, queues: number): Promise<string[][]> {
  const out: string[][] = [];
  for (let q = 0; q < queues; q++) {
    const r = await messaging.read({ topic, queueId: q, offset: 0, max: 1000 });
    out.push(r.status === 'found' ? r.messages.map((m) => Buffer.from(m.body).toString()) : []);
  }
  return out;
}

async function started(t: ExecutionContext, namesrvAddr: string, extra: { autoBatch?: boolean; autoBatchMaxBytes?: number } = {}): Promise<Producer> {
  const producer = new Producer({ groupName: 'AutoBatchPG', namesrvAddr, clientIP: '127.0.0.1', ...extra });
  await producer.start();
  t.teardown(() => producer.shutdown());
  return producer;
}

test('sends made in one event-loop turn leave as one batch: one queue, consecutive offsets, each its own msgId and properties', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'AutoB', readQueueNums: 4, writeQueueNums: 4 });
  const producer = await started(t, namesrvAddr);
  await eventually(() => producer.send({ topic: 'AutoB', body: 'warm' }), { message: 'route appears' });
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'AutoB', body: `m${i}`, tags: `T${i % 2}`, keys: [`k${i}`], properties: { n: String(i) } })),
  );
  const queues = new Set(results.map((r) => r.messageQueue.queueId));
  t.is(queues.size, 1, 'one queue for the whole turn');
  const first = results[0]!.queueOffset;
  t.deepEqual(results.map((r) => r.queueOffset), results.map((_, i) => first + i));
  t.is(new Set(results.map((r) => r.msgId)).size, 10);
  for (const [i, r] of results.entries()) {
    t.deepEqual(r.msgIds, [r.msgId]);
    const stored = await messaging.viewMessage(r.msgId);
    t.is(Buffer.from(stored!.body).toString(), `m${i}`);
    t.is(stored!.tags, `T${i % 2}`);
    t.deepEqual(stored!.keys, [`k${i}`]);
    t.is(stored!.properties.n, String(i));
  }
});

test('autoBatch: false sends each message on its own (round robin over the queues)', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'NoAutoB', readQueueNums: 4, writeQueueNums: 4 });
  const producer = await started(t, namesrvAddr, { autoBatch: false });
  await eventually(() => producer.send({ topic: 'NoAutoB', body: 'warm' }), { message: 'route appears' });
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => producer.send({ topic: 'NoAutoB', body: `m${i}` })));
  t.is(new Set(results.map((r) => r.messageQueue.queueId)).size, 4);
});

test('runs are cut at autoBatchMaxBytes; large, delayed and ordered sends go alone; everything is stored once', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'AutoCut', readQueueNums: 2, writeQueueNums: 2 });
  const producer = await started(t, namesrvAddr, { autoBatchMaxBytes: 1024 });
  await eventually(() => producer.send({ topic: 'AutoCut', body: 'warm' }), { message: 'route appears' });
  const body = 'x'.repeat(300);
  const sends: Promise<SendResult>[] = [];
  for (let i = 0; i < 9; i++) sends.push(producer.send({ topic: 'AutoCut', body: `${i}${body}` }));
  sends.push(producer.send({ topic: 'AutoCut', body: 'big'.padEnd(3000, '!') }));
  sends.push(producer.send({ topic: 'AutoCut', body: 'delayed', delayLevel: 1 }));
  sends.push(producer.send({ topic: 'AutoCut', body: 'ordered' }, { shardingKey: 'k' }));
  const results = await Promise.all(sends);
  // 9 × ~330 bytes with a 1 KiB cap: runs of 3, each in one queue with consecutive offsets.
  for (let run = 0; run < 3; run++) {
    const r = results.slice(run * 3, run * 3 + 3);
    t.is(new Set(r.map((x) => x.messageQueue.queueId)).size, 1);
    t.deepEqual(r.map((x) => x.queueOffset - r[0]!.queueOffset), [0, 1, 2]);
  }
  await eventually(async () => {
    const all = (await bodiesOf(messaging, 'AutoCut', 2)).flat();
    const want = 1 + 9 + 1 + 1 + 1;
    if (all.length !== want) throw new Error(`${all.length} of ${want} stored`);
    t.is(all.filter((b) => b.startsWith('big')).length, 1);
    t.is(all.filter((b) => b === 'delayed').length, 1);
    t.is(all.filter((b) => b === 'ordered').length, 1);
  }, { timeoutMs: 10_000, message: 'the delayed message reaches its topic' });
});

test('a message the broker refuses inside an automatic batch fails alone; the others of its turn are stored once', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'AutoBad', readQueueNums: 1, writeQueueNums: 1 });
  const producer = await started(t, namesrvAddr, { autoBatchMaxBytes: 64 * 1024 });
  await eventually(() => producer.send({ topic: 'AutoBad', body: 'warm' }), { message: 'route appears' });
  // Properties just under the batch item limit (32767 bytes): the broker's own CLUSTER property
  // pushes them over, so only the broker can refuse this one.
  const huge = { pad: 'p'.repeat(32_755) };
  const [a, bad, c] = await Promise.allSettled([
    producer.send({ topic: 'AutoBad', body: 'a' }),
    producer.send({ topic: 'AutoBad', body: 'bad', properties: huge }),
    producer.send({ topic: 'AutoBad', body: 'c' }),
  ]);
  t.is(a.status, 'fulfilled');
  t.is(c.status, 'fulfilled');
  t.is(bad.status, 'rejected');
  t.regex(String((bad as PromiseRejectedResult).reason), /propert/i);
  const [stored] = await bodiesOf(messaging, 'AutoBad', 1);
  t.deepEqual(stored!.filter((b) => b !== 'warm').sort(), ['a', 'c']);
});

test('shutdown completes the sends of the current turn before closing', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'AutoStop', readQueueNums: 2, writeQueueNums: 2 });
  const producer = new Producer({ groupName: 'AutoStopPG', namesrvAddr, clientIP: '127.0.0.1' });
  await producer.start();
  await eventually(() => producer.send({ topic: 'AutoStop', body: 'warm' }), { message: 'route appears' });
  const sends = Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'AutoStop', body: `s${i}` }));
  await producer.shutdown();
  const results = await Promise.all(sends);
  t.true(results.every((r) => r.status === 'SEND_OK'));
  t.is((await bodiesOf(messaging, 'AutoStop', 2)).flat().filter((b) => b !== 'warm').length, 20);
});

test('autoBatchMaxBytes is checked', (t) => {
  for (const bad of [0, -1, 1.5, 5 * 1024 * 1024]) {
    const err = t.throws(() => new Producer({ groupName: 'PG', namesrvAddr: '127.0.0.1:1', autoBatchMaxBytes: bad }));
    t.regex(err!.message, /autoBatchMaxBytes/);
  }
});
