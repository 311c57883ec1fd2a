import test from 'ava';
import { Producer, PushConsumer, type SendResult } from '../../sdk-node/index.js';
import { eventually } from '../helpers/wait.js';
import { extraBroker, recordingLogger, sdkCluster } from './sdk-helpers.js';

/**
 * Two brokers in this process (two kernels) registered with one name server (broker-a's embedded
 * one). broker-b is stopped: sends that pick it fail and are retried on broker-a.
 */
test('producer: a send whose broker is down is retried on the other broker; consumption carries on', async (t) => {
  const a = await sdkCluster(t);
  const b = await extraBroker(t, a.namesrvAddr, 'broker-b');
  for (const broker of [a, b]) await broker.messaging.topics.create({ topicName: 'Sdk2B', readQueueNums: 2, writeQueueNums: 2 });
  const logger = recordingLogger();
  const producer = new Producer({ groupName: 'P2B', namesrvAddr: a.namesrvAddr, clientIP: '127.0.0.1', logger });
  await producer.start();
  t.teardown(() => producer.shutdown());
  const consumer = new PushConsumer({ groupName: 'G2B', namesrvAddr: a.namesrvAddr, clientIP: '127.0.0.1', suspendMs: 500 });
  const got = new Set<string>();
  consumer.subscribe('Sdk2B').onMessage((m) => void got.add(m.body.toString()));
  t.teardown(() => consumer.shutdown());
  await consumer.start();

  // Both brokers are in the route once both registered: sends land on each.
  const brokersSeen = new Set<string>();
  await eventually(async () => {
    const r = await producer.send({ topic: 'Sdk2B', body: 'warmup' });
    brokersSeen.add(r.messageQueue.brokerName);
    if (brokersSeen.size < 2) throw new Error(`sent to ${[...brokersSeen].join(',')} only`);
  }, { timeoutMs: 10000, message: 'both brokers routed' });

  await b.kernel.stop('broker-b goes down');
  // Round robin over [a0, a1, b0, b1] (the cached route still lists broker-b until a failure refreshes it):
  // within 3 sends one first picks broker-b.
  const retried: SendResult[] = [];
  for (let i = 0; i < 4; i++) {
    const warnings = logger.lines.filter((l) => l.msg.startsWith('send failed')).length;
    const r = await producer.send({ topic: 'Sdk2B', body: `after-${i}` });
    t.is(r.status, 'SEND_OK');
    t.is(r.messageQueue.brokerName, 'broker-a', 'stored by the live broker');
    const failed = logger.lines.filter((l) => l.msg.startsWith('send failed')).slice(warnings);
    if (failed.length > 0) {
      t.is(failed[0]!.fields.broker, 'broker-b', 'the failed attempt went to broker-b');
      retried.push(r);
    }
  }
  t.true(retried.length >= 1, 'at least one send failed over from broker-b to broker-a');
  await eventually(() => {
    const missing = [0, 1, 2, 3].filter((i) => !got.has(`after-${i}`));
    if (missing.length > 0) throw new Error(`not consumed: ${missing.join(',')}`);
  }, { timeoutMs: 10000 });
});
