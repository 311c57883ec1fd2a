import test, { type ExecutionContext } from 'ava';
import { MESSAGING } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../../plugins/http/tokens.js';
import { NAMESRV } from '../../plugins/namesrv/tokens.js';
import { Producer, PushConsumer, type ReceivedMessage } from '../../sdk-node/index.js';
import { doorsBroker } from '../helpers/doors-broker.js';
import { eventually } from '../helpers/wait.js';
import { call } from './http-helpers.js';
import { FULL_LOAD } from './sdk-helpers.js';

const client = { clientIP: '127.0.0.1', suspendMs: 1000 };

/** One broker with the native door, the name server and the HTTP door, all on 127.0.0.1:0. */
async function broker(t: ExecutionContext): Promise<{ base: string; namesrvAddr: string }> {
  const kernel = await doorsBroker(t, [...FULL_LOAD, 'pop', 'http'], 'cometmq-http-interop-');
  await kernel.resolve(MESSAGING).topics.create({ topicName: 'Interop', readQueueNums: 4, writeQueueNums: 4 });
  const http = kernel.resolve(HTTP_DOOR).address();
  if (http === undefined) throw new Error('the HTTP door is not listening');
  return { base: `http://127.0.0.1:${http.port}`, namesrvAddr: kernel.resolve(NAMESRV).address() };
}

test('produced over HTTP (JSON and raw) → consumed by an sdk-node PushConsumer with tag, keys and properties', async (t) => {
  const { base, namesrvAddr } = await broker(t);
  const got: ReceivedMessage[] = [];
  const consumer = new PushConsumer({ ...client, groupName: 'NativeG', namesrvAddr });
  consumer.subscribe('Interop', 'TagH').onMessage((m) => void got.push(m));
  t.teardown(() => consumer.shutdown());
  await consumer.start();
  const produced = await call<{ results: { msgId: string }[] }>(base, 'POST', '/v1/topics/Interop/messages', {
    messages: [
      { body: 'from-http-1', tag: 'TagH', keys: ['k1'], properties: { origin: 'http' } },
      { body: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64', tag: 'TagH' },
      { body: 'filtered out', tag: 'Other' },
    ],
  });
  t.is(produced.status, 200);
  const raw = await call(base, 'POST', '/v1/topics/Interop/messages?tag=TagH&property.origin=raw', 'from-http-raw', { 'content-type': 'text/plain' });
  t.is(raw.status, 200);
  await eventually(() => {
    if (got.length < 3) throw new Error(`${got.length} of 3 consumed`);
  }, { timeoutMs: 15_000 });
  const byBody = new Map(got.map((m) => [m.body.toString('latin1'), m]));
  const first = byBody.get('from-http-1');
  t.truthy(first);
  t.is(first?.tags, 'TagH');
  t.deepEqual(first?.keys, ['k1']);
  t.is(first?.properties['origin'], 'http');
  t.is(first?.msgId, produced.body.results[0]!.msgId, 'the native consumer sees the msgId HTTP answered');
  t.deepEqual([...(byBody.get('\x01\x02\x03')?.body ?? [])], [1, 2, 3]);
  t.is(byBody.get('from-http-raw')?.properties['origin'], 'raw');
  t.false(byBody.has('filtered out'));
  // The native consumer is a member of its group as the HTTP admin sees it (from the native door's heartbeats).
  const group = await call<{ members: { clientId: string; door: string; mode: string; topics: string[]; lastSeenAt: number }[] }>(base, 'GET', '/v1/groups/NativeG');
  t.is(group.status, 200);
  const member = group.body.members.find((m) => m.clientId === consumer.clientId);
  t.like(member, { door: 'remoting', mode: 'CLUSTERING' });
  t.true(member?.topics.includes('Interop'));
  t.true((member?.lastSeenAt ?? 0) > Date.now() - 120_000);
});

test('produced with an sdk-node Producer → received and acked over HTTP', async (t) => {
  const { base, namesrvAddr } = await broker(t);
  const producer = new Producer({ ...client, groupName: 'PG', namesrvAddr });
  await producer.start();
  t.teardown(() => producer.shutdown());
  const sent: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await eventually(() => producer.send({ topic: 'Interop', body: `native-${i}`, tags: 'TagN', keys: [`key-${i}`], properties: { n: String(i) } }), { message: 'route of Interop' });
    sent.push(r.msgId);
  }
  const received: { receiptHandle: string; body: string; tag: string; keys: string[]; properties: Record<string, string>; msgId: string }[] = [];
  while (received.length < 5) {
    const got = await call<{ messages: typeof received }>(base, 'POST', '/v1/groups/HttpG/topics/Interop/receive', { max: 5, waitMs: 5000 });
    t.true(got.body.messages.length > 0, 'messages arrive');
    received.push(...got.body.messages);
  }
  t.deepEqual(received.map((m) => m.body).sort(), ['native-0', 'native-1', 'native-2', 'native-3', 'native-4']);
  for (const m of received) {
    const i = m.body.slice('native-'.length);
    t.is(m.tag, 'TagN');
    t.deepEqual(m.keys, [`key-${i}`]);
    t.is(m.properties['n'], i);
  }
  t.deepEqual(received.map((m) => m.msgId).sort(), [...sent].sort(), 'msgId is the client id the native producer got back');
  const acked = await call(base, 'POST', '/v1/groups/HttpG/ack', { receiptHandles: received.map((m) => m.receiptHandle) });
  t.is(acked.status, 200);
  t.deepEqual((await call<{ messages: unknown[] }>(base, 'POST', '/v1/groups/HttpG/topics/Interop/receive', {})).body.messages, []);
});
