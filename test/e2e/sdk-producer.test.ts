import test from 'ava';
import { Producer, PushConsumer, type ReceivedMessage, type SendResult } from '../../sdk-node/index.js';
import { eventually } from '../helpers/wait.js';
import { sdkCluster } from './sdk-helpers.js';

test('producer send / sendAsync / sendOneway / sendBatch land on the broker and a consumer receives them all', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkT1', readQueueNums: 4, writeQueueNums: 4 });
  const producer = new Producer({ groupName: 'PG1', namesrvAddr, clientIP: '127.0.0.1' });
  await producer.start();
  t.teardown(() => producer.shutdown());
  const sent = await eventually(() => producer.send({ topic: 'SdkT1', body: 'sync', tags: 'A', keys: ['k1'] }), { message: 'route appears' });
  t.is(sent.status, 'SEND_OK');
  t.regex(sent.msgId, /^[0-9A-F]{32}$/);
  t.is(sent.messageQueue.topic, 'SdkT1');
  const asyncResult = await new Promise<SendResult>((resolve, reject) =>
    producer.sendAsync({ topic: 'SdkT1', body: 'async' }, (err, r) => (err !== undefined ? reject(err) : resolve(r!))),
  );
  t.is(asyncResult.status, 'SEND_OK');
  await producer.sendOneway({ topic: 'SdkT1', body: 'oneway' });
  const batch = await producer.sendBatch([1, 2, 3].map((i) => ({ topic: 'SdkT1', body: `batch-${i}` })));
  t.is(batch.msgIds.length, 3);
  const big = Buffer.alloc(6000, 'q');
  await producer.send({ topic: 'SdkT1', body: big });

  const got: ReceivedMessage[] = [];
  const consumer = new PushConsumer({ groupName: 'CG1', namesrvAddr, clientIP: '127.0.0.1', suspendMs: 1000 });
  consumer.subscribe('SdkT1').onMessage((m) => void got.push(m));
  await consumer.start();
  t.teardown(() => consumer.shutdown());
  await eventually(() => {
    if (got.length < 7) throw new Error(`got ${got.length}`);
  }, { timeoutMs: 15000 });
  const bodies = got.map((m) => (m.body.length > 100 ? 'big' : m.body.toString())).sort();
  t.deepEqual(bodies, ['async', 'batch-1', 'batch-2', 'batch-3', 'big', 'oneway', 'sync']);
  const syncMsg = got.find((m) => m.body.toString() === 'sync')!;
  t.is(syncMsg.msgId, sent.msgId);
  t.is(syncMsg.tags, 'A');
  t.deepEqual(syncMsg.keys, ['k1']);
  t.deepEqual(got.find((m) => m.body.length > 100)!.body, big);
});
