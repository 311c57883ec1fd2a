import test, { type ExecutionContext } from 'ava';
import { isDeepStrictEqual } from 'node:util';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { StoredMessage } from '../../kernel/messaging/message.js';
import { RequestCode, ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import { createRequest, createResponse } from '../../kernel/protocol/remoting/command.js';
import type { RemotingClient } from '../../kernel/protocol/remoting/transport.js';
import { Producer, PushConsumer, type SendResult } from '../../sdk-node/index.js';
import { createSdkRemotingClient } from '../../sdk-node/remoting.js';
import { eventually } from '../helpers/wait.js';
import { recordingLogger, sdkCluster } from './sdk-helpers.js';

/** Retry and dead letters: concurrent (send-back), orderly (local suspend, then DLQ), and the client-side fallback. */

const SHORT_LEVELS = { delayLevels: '20ms 20ms 20ms 20ms 20ms 20ms 20ms 20ms' };
const base = { clientIP: '127.0.0.1', suspendMs: 500 };

function same(a: unknown, b: unknown, what = 'values'): void {
  if (!isDeepStrictEqual(a, b)) throw new Error(`${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

async function producerFor(t: ExecutionContext, namesrvAddr: string, topic: string): Promise<Producer> {
  const p = new Producer({ groupName: 'PD', namesrvAddr, clientIP: '127.0.0.1' });
  await p.start();
  t.teardown(() => p.shutdown());
  await eventually(() => p.send({ topic, body: 'warmup' }), { message: `route of ${topic}` });
  return p;
}

async function dlq(messaging: Messaging, group: string): Promise<StoredMessage[]> {
  const r = await messaging.read({ topic: `%DLQ%${group}`, queueId: 0, offset: 0, max: 32 });
  return r.status === 'found' ? [...r.messages] : [];
}

test('concurrent: a message failing every time is retried through %RETRY% and lands in %DLQ%<group> after maxReconsumeTimes', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t, { messaging: SHORT_LEVELS });
  await messaging.topics.create({ topicName: 'SdkCD', readQueueNums: 2, writeQueueNums: 2 });
  const producer = await producerFor(t, namesrvAddr, 'SdkCD');
  const attempts: number[] = [];
  const fine: string[] = [];
  // rebalanceIntervalMs: the retry topic's route appears after the first heartbeat; the next rebalance picks it up.
  const c = new PushConsumer({ ...base, groupName: 'GCD', namesrvAddr, maxReconsumeTimes: 2, rebalanceIntervalMs: 100 });
  c.subscribe('SdkCD').onMessage((m) => {
    if (m.body.toString() !== 'poison') return void fine.push(m.body.toString());
    attempts.push(m.reconsumeTimes);
    throw new Error('always fails');
  });
  t.teardown(() => c.shutdown());
  await c.start();
  const sent = await producer.send({ topic: 'SdkCD', body: 'poison' });
  await producer.send({ topic: 'SdkCD', body: 'fine' });
  const dead = await eventually(async () => {
    const d = await dlq(messaging, 'GCD');
    same(d.length, 1, 'DLQ size');
    return d[0]!;
  }, { timeoutMs: 10000 });
  t.deepEqual(attempts, [0, 1, 2], 'first delivery + maxReconsumeTimes retries');
  t.is(Buffer.from(dead.body).toString(), 'poison');
  t.is(dead.properties.RETRY_TOPIC, 'SdkCD');
  t.is(dead.properties.ORIGIN_MESSAGE_ID, sent.msgId);
  t.true(fine.includes('fine'));
});

test('orderly: a failing message is re-consumed locally in order (SUSPEND_CURRENT_QUEUE_A_MOMENT), then dead-lettered, and the queue moves on', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t, { messaging: SHORT_LEVELS });
  await messaging.topics.create({ topicName: 'SdkOD', readQueueNums: 1, writeQueueNums: 1 });
  const producer = await producerFor(t, namesrvAddr, 'SdkOD');
  const seen: string[] = [];
  const c = new PushConsumer({ ...base, groupName: 'GOD', namesrvAddr, maxReconsumeTimes: 2, localRetryDelayMs: 10 });
  c.subscribe('SdkOD').onMessage((m) => {
    const body = m.body.toString();
    if (body === 'warmup') return;
    seen.push(`${body}#${m.reconsumeTimes}`);
    if (body === 'o1') throw new Error('o1 always fails');
  }, { orderly: true });
  t.teardown(() => c.shutdown());
  await c.start();
  const sent: SendResult[] = [];
  for (const body of ['o0', 'o1', 'o2']) sent.push(await producer.send({ topic: 'SdkOD', body }));
  await eventually(() => same(seen, ['o0#0', 'o1#0', 'o1#1', 'o1#2', 'o2#0'], 'consumption order'), { timeoutMs: 10000 });
  const dead = await eventually(async () => {
    const d = await dlq(messaging, 'GOD');
    same(d.length, 1, 'DLQ size');
    return d[0]!;
  });
  t.is(Buffer.from(dead.body).toString(), 'o1');
  t.is(dead.properties.RETRY_TOPIC, 'SdkOD');
  t.is(dead.properties.ORIGIN_MESSAGE_ID, sent[1]!.msgId);
  t.is(dead.reconsumeTimes, 2, 'RECONSUME_TIME of the last failed attempt');
});

/** The real transport, except that every CONSUMER_SEND_MSG_BACK gets 1 SYSTEM_ERROR. */
function rejectingSendBack(): { factory: (o: Parameters<typeof createSdkRemotingClient>[0]) => RemotingClient; readonly rejected: () => number } {
  let rejected = 0;
  return {
    rejected: () => rejected,
    factory: (o) => {
      const real = createSdkRemotingClient(o);
      return {
        ...real,
        invoke: async (addr, req, ms) => {
          if (req.code !== RequestCode.CONSUMER_SEND_MSG_BACK) return real.invoke(addr, req, ms);
          rejected++;
          return createResponse(createRequest({ ...req, opaque: 0 }), { code: ResponseCode.SYSTEM_ERROR, remark: 'send back refused (test)' });
        },
      };
    },
  };
}

test('fallback: when CONSUMER_SEND_MSG_BACK fails the consumer sends the copy to %RETRY%<group> itself; the broker dead-letters it at MAX_RECONSUME_TIMES', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t, { messaging: SHORT_LEVELS });
  await messaging.topics.create({ topicName: 'SdkF', readQueueNums: 1, writeQueueNums: 1 });
  const producer = await producerFor(t, namesrvAddr, 'SdkF');
  const spy = rejectingSendBack();
  const logger = recordingLogger();
  const seen: { topic: string; sourceTopic: string; reconsumeTimes: number }[] = [];
  const c = new PushConsumer({ ...base, groupName: 'GF', namesrvAddr, maxReconsumeTimes: 1, rebalanceIntervalMs: 100, logger }, { remotingFactory: spy.factory });
  c.subscribe('SdkF').onMessage((m) => {
    if (m.body.toString() !== 'fb') return;
    seen.push({ topic: m.topic, sourceTopic: m.sourceTopic, reconsumeTimes: m.reconsumeTimes });
    throw new Error('always fails');
  });
  t.teardown(() => c.shutdown());
  await c.start();
  // The fallback send needs a route for %RETRY%GF (else the failure is re-consumed locally, as a third resort).
  await eventually(() => same(c.assignedQueues().some((q) => q.topic === '%RETRY%GF'), true, 'retry topic routed'), { timeoutMs: 10000 });
  const sent = await producer.send({ topic: 'SdkF', body: 'fb', tags: 'T1' });
  const dead = await eventually(async () => {
    const d = await dlq(messaging, 'GF');
    same(d.length, 1, 'DLQ size');
    return d[0]!;
  }, { timeoutMs: 10000 });
  t.deepEqual(seen, [
    { topic: 'SdkF', sourceTopic: 'SdkF', reconsumeTimes: 0 },
    { topic: 'SdkF', sourceTopic: '%RETRY%GF', reconsumeTimes: 1 },
  ]);
  t.is(spy.rejected(), 2, 'send-back tried (and refused) for each failure');
  t.true(logger.lines.some((l) => l.level === 'warn' && l.msg.startsWith('send back failed')), 'the logger passed in reports the fallback');
  t.is(Buffer.from(dead.body).toString(), 'fb');
  t.is(dead.tags, 'T1');
  t.is(dead.properties.RETRY_TOPIC, 'SdkF');
  t.is(dead.properties.ORIGIN_MESSAGE_ID, sent.msgId);
  t.is(dead.reconsumeTimes, 2, 'RECONSUME_TIME = old + 1 travelled as header j');
  t.false('RECONSUME_TIME' in dead.properties, 'moved into the header, not stored as a property');
});
