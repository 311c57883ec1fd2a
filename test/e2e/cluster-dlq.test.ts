import test from 'ava';
import { Producer, PullConsumer, PushConsumer, type ReceivedMessage } from '../../sdk-node/index.js';
import { adminClient, createTopic, startStandalone, waitForRoute } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait.js';

const clientTimings = { clientIP: '127.0.0.1', pollNameServerIntervalMs: 300, heartbeatIntervalMs: 500, requestTimeoutMs: 1000 };
const MAX_RECONSUME = 2;

test('a listener that always throws: retried maxReconsumeTimes times through %RETRY%, then the message lands in %DLQ%<group>', async (t) => {
  const node = await startStandalone(t); // delay levels 100ms…: retries come quickly
  const admin = adminClient(t);
  await createTopic(admin, node.addr, 'DlqTopic', 1);
  await waitForRoute(admin, [node.namesrvAddr], 'DlqTopic', [node.brokerName]);

  const attempts: ReceivedMessage[] = [];
  const consumer = new PushConsumer({ ...clientTimings, groupName: 'DlqCG', namesrvAddr: node.namesrvAddr, suspendMs: 1000, maxReconsumeTimes: MAX_RECONSUME, rebalanceIntervalMs: 500 });
  consumer.subscribe('DlqTopic').onMessage((m) => {
    attempts.push(m);
    throw new Error('always fails');
  });
  t.teardown(() => consumer.shutdown());
  await consumer.start();
  const producer = new Producer({ ...clientTimings, groupName: 'DlqPG', namesrvAddr: node.namesrvAddr });
  t.teardown(() => producer.shutdown());
  await producer.start();
  const sent = await producer.send({ topic: 'DlqTopic', body: 'poison', keys: 'poison-key' });

  // The DLQ topic is created by the broker on the last send-back and registered with the name server.
  const dlq = '%DLQ%DlqCG';
  await waitForRoute(admin, [node.namesrvAddr], dlq, [node.brokerName], 15_000);
  const reader = new PullConsumer({ ...clientTimings, groupName: 'DlqReader', namesrvAddr: node.namesrvAddr });
  t.teardown(() => reader.shutdown());
  await reader.start();
  await reader.assign([{ topic: dlq, brokerName: node.brokerName, queueId: 0 }]);
  const dead: ReceivedMessage[] = [];
  await waitFor(async () => {
    dead.push(...(await reader.poll({ timeoutMs: 500 })));
    return dead.length > 0;
  }, { timeoutMs: 10_000, message: 'message in the DLQ' });

  t.is(dead.length, 1);
  const m = dead[0]!;
  t.is(m.body.toString(), 'poison');
  t.deepEqual(m.keys, ['poison-key']);
  t.is(m.reconsumeTimes, MAX_RECONSUME + 1, 'one more than the last failed attempt');
  t.is(m.properties.RETRY_TOPIC, 'DlqTopic');
  t.is(m.properties.ORIGIN_MESSAGE_ID, sent.msgId);
  // The listener saw the original and MAX_RECONSUME retries (each from %RETRY%DlqCG), then no more.
  t.deepEqual(attempts.map((a) => a.reconsumeTimes), [0, 1, 2]);
  t.deepEqual(attempts.map((a) => a.sourceTopic), ['DlqTopic', '%RETRY%DlqCG', '%RETRY%DlqCG']);
  t.true(attempts.every((a) => a.body.toString() === 'poison' && a.topic === 'DlqTopic'));
});
