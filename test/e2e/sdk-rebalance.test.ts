import test, { type ExecutionContext } from 'ava';
import { isDeepStrictEqual } from 'node:util';
import { createRemotingClient } from '../../kernel/protocol/remoting/client.js';
import { RequestCode, ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import type { RemotingClient } from '../../kernel/protocol/remoting/transport.js';
import { Producer, PushConsumer, type PushConsumerOptions, type ReceivedMessage } from '../../sdk-node/index.js';
import { createSdkRemotingClient } from '../../sdk-node/remoting.js';
import { eventually } from '../helpers/wait.js';
import { sdkCluster, skewClock } from './sdk-helpers.js';

/**
 * Automatic rebalance (no test calls rebalance()): on NOTIFY_CONSUMER_IDS_CHANGED (40) and on the
 * rebalanceIntervalMs timer; orderly consumers renew their broker locks and unlock dropped queues.
 */

function same(a: unknown, b: unknown, what = 'values'): void {
  if (!isDeepStrictEqual(a, b)) throw new Error(`${what}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

const base = { clientIP: '127.0.0.1', suspendMs: 1000 };

interface Member {
  readonly c: PushConsumer;
  readonly got: string[];
}

function member(t: ExecutionContext, opts: PushConsumerOptions, topic: string, orderly = false): Member {
  const got: string[] = [];
  const c = new PushConsumer({ ...base, ...opts });
  c.subscribe(topic).onMessage((m: ReceivedMessage) => void got.push(m.body.toString()), { orderly });
  t.teardown(() => c.shutdown());
  return { c, got };
}

const owned = (members: readonly Member[], topic: string): number[] => members.map((m) => m.c.assignedQueues().filter((q) => q.topic === topic).length);

async function producerFor(t: ExecutionContext, namesrvAddr: string, topic: string): Promise<Producer> {
  const p = new Producer({ groupName: 'PR', namesrvAddr, clientIP: '127.0.0.1' });
  await p.start();
  t.teardown(() => p.shutdown());
  await eventually(() => p.send({ topic, body: 'warmup' }), { message: `route of ${topic}` });
  return p;
}

async function sendAll(p: Producer, topic: string, prefix: string, n: number): Promise<string[]> {
  const bodies = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (const body of bodies) await p.send({ topic, body });
  return bodies;
}

const count = (members: readonly Member[], body: string): number => members.reduce((n, m) => n + m.got.filter((b) => b === body).length, 0);

test('clustering: a joining member takes its share and a leaving one gives its queues back, driven by NOTIFY_CONSUMER_IDS_CHANGED alone', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkJ', readQueueNums: 6, writeQueueNums: 6 });
  const producer = await producerFor(t, namesrvAddr, 'SdkJ');
  // The periodic rebalance (default 20 s) is far beyond these waits: only the notification can move queues.
  const [a, b, c] = ['a', 'b', 'c'].map((i) => member(t, { groupName: 'GJ', namesrvAddr, instanceName: i }, 'SdkJ')) as [Member, Member, Member];
  await a.c.start();
  await b.c.start();
  await eventually(() => same(owned([a, b], 'SdkJ'), [3, 3], 'owned by a, b'), { timeoutMs: 10000 });
  const phase1 = await sendAll(producer, 'SdkJ', 'p1-', 24);
  await eventually(() => same(phase1.filter((x) => count([a, b], x) === 0), [], 'phase 1 unconsumed'), { timeoutMs: 10000 });

  await c.c.start();
  await eventually(() => same(owned([a, b, c], 'SdkJ'), [2, 2, 2], 'owned after join'), { timeoutMs: 10000 });
  const phase2 = await sendAll(producer, 'SdkJ', 'p2-', 24);
  await eventually(() => same(phase2.filter((x) => count([a, b, c], x) === 0), [], 'phase 2 unconsumed'), { timeoutMs: 10000 });
  t.deepEqual(phase2.filter((x) => count([a, b, c], x) !== 1), [], 'stable group: every message exactly once');
  t.true(c.got.some((x) => x.startsWith('p2-')), 'the new member consumes its share');

  await c.c.shutdown();
  await eventually(() => same(owned([a, b], 'SdkJ'), [3, 3], 'owned after leave'), { timeoutMs: 10000 });
  const phase3 = await sendAll(producer, 'SdkJ', 'p3-', 24);
  await eventually(() => same(phase3.filter((x) => count([a, b], x) === 0), [], 'phase 3 unconsumed'), { timeoutMs: 10000 });
  t.deepEqual(phase3.filter((x) => count([a, b, c], x) !== 1), [], 'after the leave: every message exactly once');
  t.deepEqual(phase1.filter((x) => count([a, b, c], x) === 0), [], 'across rebalances: at least once');
});

test('clustering: with notifications off on the broker, the rebalanceIntervalMs timer alone balances a joining member', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t, { remoting: { notifyConsumerIdsChanged: false } });
  await messaging.topics.create({ topicName: 'SdkT', readQueueNums: 4, writeQueueNums: 4 });
  const [a, b] = ['a', 'b'].map((i) => member(t, { groupName: 'GT', namesrvAddr, instanceName: i, rebalanceIntervalMs: 100 }, 'SdkT')) as [Member, Member];
  await a.c.start();
  t.is(owned([a], 'SdkT')[0], 4);
  await b.c.start();
  await eventually(() => same(owned([a, b], 'SdkT'), [2, 2], 'owned'), { timeoutMs: 10000 });
});

/** The consumer's transport with a count of LOCK_BATCH_MQ answers. */
function countingLocks(): { factory: (o: Parameters<typeof createSdkRemotingClient>[0]) => RemotingClient; readonly locks: () => number } {
  let locks = 0;
  return {
    locks: () => locks,
    factory: (o) => {
      const real = createSdkRemotingClient(o);
      return {
        ...real,
        invoke: async (addr, req, ms) => {
          const resp = await real.invoke(addr, req, ms);
          if (req.code === RequestCode.LOCK_BATCH_MQ) locks++;
          return resp;
        },
      };
    },
  };
}

async function intruderLocks(t: ExecutionContext, brokerAddr: string, group: string, mqs: readonly object[]): Promise<unknown[]> {
  const client = createRemotingClient();
  t.teardown(() => client.close());
  const body = Buffer.from(JSON.stringify({ consumerGroup: group, clientId: '127.0.0.9@intruder', mqSet: mqs }));
  const resp = await client.invoke(brokerAddr, { code: RequestCode.LOCK_BATCH_MQ, body });
  t.is(resp.code, ResponseCode.SUCCESS);
  return (JSON.parse(Buffer.from(resp.body!).toString()) as { lockOKMQSet: unknown[] }).lockOKMQSet;
}

test('orderly: broker locks are renewed every lockRenewIntervalMs, so they outlive the broker lock expiry', async (t) => {
  const clock = skewClock();
  const { namesrvAddr, messaging, brokerAddr } = await sdkCluster(t, { clock });
  await messaging.topics.create({ topicName: 'SdkL', readQueueNums: 2, writeQueueNums: 2 });
  const spy = countingLocks();
  const got: string[] = [];
  const c = new PushConsumer({ ...base, groupName: 'GL', namesrvAddr, lockRenewIntervalMs: 50 }, { remotingFactory: spy.factory });
  c.subscribe('SdkL').onMessage((m) => void got.push(m.body.toString()), { orderly: true });
  t.teardown(() => c.shutdown());
  await c.start();
  const mqs = c.assignedQueues().filter((q) => q.topic === 'SdkL');
  t.is(mqs.length, 2);
  // Age every lock past the broker's lockExpiryMs (60 s): only a renewal after this point keeps them.
  clock.advance(61_000);
  const before = spy.locks();
  await eventually(() => same(spy.locks() >= before + 2, true, 'two renewals after the jump'), { timeoutMs: 5000 });
  t.deepEqual(await intruderLocks(t, brokerAddr, 'GL', mqs), [], 'renewed locks are still held by the consumer');
  const producer = await producerFor(t, namesrvAddr, 'SdkL');
  await producer.send({ topic: 'SdkL', body: 'after-renewal' }, { shardingKey: 'x' });
  await eventually(() => same(got.includes('after-renewal'), true, 'consumed'), { timeoutMs: 10000 });
});

test('orderly: a queue rebalanced away is unlocked at once, so the new member locks it long before lock expiry; per-key order holds', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkU', readQueueNums: 4, writeQueueNums: 4 });
  const producer = await producerFor(t, namesrvAddr, 'SdkU');
  // rebalanceIntervalMs: b's first lock attempt may come before a's unlock; the next rebalance retries.
  const opts = { groupName: 'GU', namesrvAddr, rebalanceIntervalMs: 100, localRetryDelayMs: 10 };
  const [a, b] = ['a', 'b'].map((i) => member(t, { ...opts, instanceName: i }, 'SdkU', true)) as [Member, Member];
  await a.c.start();
  t.is(owned([a], 'SdkU')[0], 4);
  await b.c.start();
  // The broker's lock expiry is 60 s: b can only own queues a held if a unlocked them.
  await eventually(() => same(owned([a, b], 'SdkU'), [2, 2], 'owned'), { timeoutMs: 10000 });
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
  for (let i = 0; i < 5; i++) for (const k of keys) await producer.send({ topic: 'SdkU', body: `${k}:${i}` }, { shardingKey: k });
  const all = (): string[] => [...a.got, ...b.got].filter((x) => x !== 'warmup');
  await eventually(() => same(all().length, 30, 'consumed'), { timeoutMs: 10000 });
  for (const m of [a, b]) {
    for (const k of keys) {
      const seq = m.got.filter((x) => x.startsWith(`${k}:`)).map((x) => Number(x.split(':')[1]));
      t.deepEqual(seq, [...seq].sort((x, y) => x - y), `order of ${k}`);
    }
  }
  t.true(a.got.length > 1 && b.got.length > 1, 'both members consume');
});
