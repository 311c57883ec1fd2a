import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { Producer, PullConsumer, type ReceivedMessage } from '../../sdk-node/index.js';
import { pinoFor } from '../../sdk-node/remoting.js';
import { eventually } from '../helpers/wait.js';
import { recordingLogger, sdkCluster } from './sdk-helpers.js';

/** Name-server discovery over HTTP, pull consumers in subscribe mode, the logger seam. */

function same(a: unknown, b: unknown, what = 'values'): void {
  if (!isDeepStrictEqual(a, b)) throw new Error(`${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

test('namesrvHttpUrl: the producer learns the name server from an HTTP endpoint answering host:port', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkH', readQueueNums: 1, writeQueueNums: 1 });
  let asked = 0;
  const server = createServer((_req, res) => {
    asked++;
    res.end(namesrvAddr);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rocketmq/nsaddr`;
  // env {}: no NAMESRV_ADDR from the test runner's environment can win over the endpoint.
  const producer = new Producer({ groupName: 'PH', namesrvHttpUrl: url, clientIP: '127.0.0.1' }, { env: {} });
  await producer.start();
  t.teardown(() => producer.shutdown());
  const r = await producer.send({ topic: 'SdkH', body: 'via http discovery' });
  t.is(r.status, 'SEND_OK');
  t.is(r.messageQueue.brokerName, 'broker-a');
  t.true(asked >= 1);
});

test('pull consumer subscribe mode: two members split the queues through rebalance and together poll every message once', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkPS', readQueueNums: 4, writeQueueNums: 4 });
  const producer = new Producer({ groupName: 'PPS', namesrvAddr, clientIP: '127.0.0.1' });
  await producer.start();
  t.teardown(() => producer.shutdown());
  const members = ['a', 'b'].map((i) => {
    const pc = new PullConsumer({ groupName: 'GPS', namesrvAddr, clientIP: '127.0.0.1', instanceName: i });
    pc.subscribe('SdkPS');
    t.teardown(() => pc.shutdown());
    return pc;
  });
  for (const pc of members) await pc.start();
  // No rebalance() call: the join notification (NOTIFY_CONSUMER_IDS_CHANGED) moves queues to b.
  await eventually(() => same(members.map((pc) => pc.assignment().length), [2, 2], 'assignment'), { timeoutMs: 10000 });
  const bodies = Array.from({ length: 20 }, (_, i) => `ps${i}`);
  for (const body of bodies) await producer.send({ topic: 'SdkPS', body });
  const polled: ReceivedMessage[][] = [[], []];
  await eventually(async () => {
    const batches = await Promise.all(members.map((pc) => pc.poll({ timeoutMs: 200 })));
    batches.forEach((b, i) => polled[i]!.push(...b));
    same(polled.flat().map((m) => m.body.toString()).sort(), [...bodies].sort(), 'polled');
  }, { timeoutMs: 10000 });
  t.true(polled.every((p) => p.length > 0), 'both members polled some');
  for (const pc of members) await pc.commit();
});

test('logger: the SDK logger receives the transport (pino) entries with their fields and level', (t) => {
  const logger = recordingLogger();
  const pino = pinoFor(logger);
  pino.warn({ address: '127.0.0.1:1' }, 'closing connection');
  pino.child({ peer: 'x' }).debug('response to no pending request');
  t.deepEqual(logger.lines, [
    { level: 'warn', msg: 'closing connection', fields: { address: '127.0.0.1:1' } },
    { level: 'debug', msg: 'response to no pending request', fields: { peer: 'x' } },
  ]);
});
