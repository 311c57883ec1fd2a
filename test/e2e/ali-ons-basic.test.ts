import { createRequire } from 'node:module';
import test from 'ava';
import { pino } from 'pino';
import { RequestCode, ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import { createRemotingClient } from '../../kernel/protocol/remoting/client.js';
import { MESSAGING } from '../../kernel/tokens.js';
import { NAMESRV } from '../../plugins/namesrv/tokens.js';
import { testKernel } from '../helpers/kernel-harness.js';
import { eventually, waitFor } from '../helpers/wait.js';

/** ali-ons 3.12.0 ships no types: the few members this test uses (rocketmq-protocol.md §4). */
interface OnsMessage {
  readonly msgId: string;
  readonly body: Buffer;
  readonly tags: string;
}
interface OnsProducer {
  ready(): Promise<void>;
  send(msg: unknown): Promise<{ sendStatus: string; msgId: string }>;
  close(): Promise<void>;
}
interface OnsConsumer {
  ready(): Promise<void>;
  subscribe(topic: string, expr: string, handler: (msg: OnsMessage) => Promise<void>): void;
  on(event: 'error', listener: (err: unknown) => void): void;
  close(): Promise<void>;
}
interface AliOns {
  Producer: (new (options: Record<string, unknown>) => OnsProducer) & { getDefaultProducer(): Promise<OnsProducer> };
  Consumer: new (options: Record<string, unknown>) => OnsConsumer;
  Message: new (topic: string, tags: string, body: string | Buffer) => unknown;
}
const ons = createRequire(import.meta.url)('ali-ons') as AliOns;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

test('ali-ons Producer and push Consumer end to end against the in-process broker + name server', async (t) => {
  const { kernel } = await testKernel(t, {
    values: {
      load: ['metadata-file', 'store-commitlog', 'flush-async', 'index-rocksdb', 'auth-allow-all', 'messaging', 'remoting', 'namesrv', 'broker-registration'],
      plugins: { remoting: { host: '127.0.0.1', port: 0 }, namesrv: { host: '127.0.0.1', port: 0 } },
    },
  });
  await kernel.start();
  const nameSrv = kernel.resolve(NAMESRV).address();
  await kernel.resolve(MESSAGING).topics.create({ topicName: 'OnsTopic', readQueueNums: 4, writeQueueNums: 4 });
  // broker-registration re-registers on topic change: wait until the name server routes the topic.
  const probe = createRemotingClient({ requestTimeoutMs: 3000 }, pino({ level: 'silent' }));
  t.teardown(() => probe.close());
  await eventually(async () => {
    const r = await probe.invoke(nameSrv, { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic: 'OnsTopic' } });
    if (r.code !== ResponseCode.SUCCESS) throw new Error(`route: ${r.code} ${r.remark ?? ''}`);
  }, { timeoutMs: 10_000 });

  // ali-ons' scheduled tasks sleep on ref'd timers that close() cannot cancel (mq_client.js
  // startScheduledTask): short intervals let the process exit soon after close().
  const timers = { pollNameServerInteval: 500, heartbeatBrokerInterval: 500, persistConsumerOffsetInterval: 500, rebalanceInterval: 500, pullTimeDelayMillsWhenException: 200 };
  const common = { nameSrv, httpclient: {}, clientIP: '127.0.0.1', logger: quiet, ...timers };
  const consumer = new ons.Consumer({ ...common, consumerGroup: 'OnsCG', brokerSuspendMaxTimeMillis: 2000 });
  consumer.on('error', () => undefined); // QUERY_NOT_FOUND etc. are expected noise (§2.6)
  const received = new Map<string, string>();
  let duplicates = 0;
  consumer.subscribe('OnsTopic', '*', async (msg) => {
    if (received.has(msg.msgId)) duplicates++;
    received.set(msg.msgId, msg.body.toString());
  });
  const producer = new ons.Producer({ ...common, producerGroup: 'OnsPG' });
  t.teardown(async () => {
    await producer.close();
    await consumer.close();
    // The consumer's internal CLIENT_INNER_PRODUCER (a static in ali-ons) is not closed by consumer.close().
    await (await ons.Producer.getDefaultProducer()).close();
  });
  await Promise.all([consumer.ready(), producer.ready()]);

  const N = 40;
  const sent = new Map<string, string>();
  for (let i = 0; i < N; i++) {
    const body = `hello-${i}${i === 7 ? 'x'.repeat(5000) : ''}`; // one body over ali-ons' 4 KiB compression threshold
    const r = await producer.send(new ons.Message('OnsTopic', 'TagA', body));
    t.is(r.sendStatus, 'SEND_OK');
    sent.set(r.msgId, body);
  }
  await waitFor(() => received.size >= N, { timeoutMs: 30_000, message: `received ${received.size}/${N}` });
  t.deepEqual([...received.keys()].sort(), [...sent.keys()].sort(), 'msgIds equal');
  for (const [id, body] of sent) t.is(received.get(id), body);
  t.is(duplicates, 0, 'each message consumed once');
});
