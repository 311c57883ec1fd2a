import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { encodeRecord, hostBytes, recordSize } from '../kernel/messaging/record.js';
import { allocateAveragely } from './allocate.js';
import { COMPRESS_OVER_BYTES, decodeBatchBody, decodePulledRecords, encodeBatchBody, encodeMessage } from './message-codec.js';
import { LocalFileOffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { shardingQueue } from './producer.js';
import type { MessageQueue } from './types.js';

const queues = (n: number, broker = 'b'): MessageQueue[] => Array.from({ length: n }, (_, queueId) => ({ topic: 'T', brokerName: broker, queueId }));

test('allocateAveragely: 6 queues over 3 clients → 2 contiguous each, every queue once', (t) => {
  const mqs = queues(6);
  const cids = ['c3', 'c1', 'c2'];
  const parts = ['c1', 'c2', 'c3'].map((c) => allocateAveragely(mqs, cids, c).map((q) => q.queueId));
  t.deepEqual(parts, [[0, 1], [2, 3], [4, 5]]);
});

test('allocateAveragely: remainders go to the first clients; extra clients get nothing; unknown self gets nothing', (t) => {
  const mqs = [...queues(4, 'b'), ...queues(3, 'a')];
  const parts = ['x', 'y', 'z'].map((c) => allocateAveragely(mqs, ['z', 'y', 'x'], c).map((q) => `${q.brokerName}${q.queueId}`));
  t.deepEqual(parts, [['a0', 'a1', 'a2'], ['b0', 'b1'], ['b2', 'b3']]);
  t.deepEqual(allocateAveragely(queues(2), ['a', 'b', 'c'], 'c'), []);
  t.deepEqual(allocateAveragely(queues(2), ['a'], 'nobody'), []);
});

test('batch body round-trips in the Java MessageBatch layout', (t) => {
  const { topic, body } = encodeBatchBody([
    { topic: 'T', body: 'one', tags: 'A', keys: ['k1', 'k2'] },
    { topic: 'T', body: new Uint8Array([1, 2, 3]), flag: 7, properties: { x: 'y' } },
  ]);
  t.is(topic, 'T');
  // first message: totalSize = 20 + 3 + 2 + props
  const props = 'TAGS\u0001A\u0002KEYS\u0001k1 k2';
  t.is(body.readInt32BE(0), 20 + 3 + 2 + Buffer.byteLength(props));
  t.is(body.readInt32BE(4), 0, 'magic 0');
  t.is(body.readInt32BE(16), 3, 'body length');
  const back = decodeBatchBody(topic, body);
  t.is(back.length, 2);
  t.is(Buffer.from(back[0]!.body as Uint8Array).toString(), 'one');
  t.deepEqual(back[0]!.properties, { TAGS: 'A', KEYS: 'k1 k2' });
  t.is(back[1]!.flag, 7);
  t.deepEqual(back[1]!.properties, { x: 'y' });
  t.throws(() => encodeBatchBody([{ topic: 'T', body: 'a' }, { topic: 'U', body: 'b' }]), { code: 'SDK_OPTION_INVALID' } as never);
});

test('encodeMessage compresses bodies ≥ 4096 bytes with sysFlag bit 0 and carries tags/keys/delay', (t) => {
  const big = Buffer.alloc(COMPRESS_OVER_BYTES, 'a');
  const m = encodeMessage({ topic: 'T', body: big, tags: 'A', keys: 'k1 k2', delayLevel: 3 });
  t.is(m.sysFlag & 1, 1);
  t.true(m.body.length < big.length);
  t.deepEqual(inflateSync(m.body), big);
  t.is(m.properties, 'TAGS\u0001A\u0002KEYS\u0001k1 k2\u0002DELAY\u00013');
  t.is(encodeMessage({ topic: 'T', body: 'small' }).sysFlag, 0);
  t.throws(() => encodeMessage({ topic: 'bad topic', body: 'x' }), { code: 'TOPIC_NAME_INVALID' } as never);
});

function record(topic: string, queueOffset: number, body: Buffer, props: string, sysFlag = 0): Buffer {
  const topicBytes = Buffer.from(topic);
  const buf = Buffer.alloc(recordSize(body.length, topicBytes.length, Buffer.byteLength(props)));
  encodeRecord(buf, 0, {
    body, topicBytes, properties: props, propertiesBytes: Buffer.byteLength(props), queueId: 2, flag: 0, queueOffset,
    physicalOffset: 1000 + queueOffset, sysFlag, bornTimestamp: 1, bornHost: hostBytes('127.0.0.1'), bornPort: 1,
    storeTimestamp: 2, storeHost: hostBytes('127.0.0.1'), storePort: 10911, reconsumeTimes: 1, preparedTransactionOffset: 0,
  });
  return buf;
}

test('decodePulledRecords splits records, inflates compressed bodies and shows retry messages with RETRY_TOPIC', (t) => {
  const big = Buffer.alloc(5000, 'z');
  const compressed = encodeMessage({ topic: 'T', body: big }).body;
  const body = Buffer.concat([
    record('T', 5, Buffer.from('hi'), 'TAGS\u0001A'),
    record('%RETRY%G', 6, compressed, 'RETRY_TOPIC\u0001T', 1),
  ]);
  const msgs = decodePulledRecords(body, { topic: 'T', brokerName: 'broker-a', queueId: 2 });
  t.is(msgs.length, 2);
  t.is(msgs[0]!.body.toString(), 'hi');
  t.is(msgs[0]!.tags, 'A');
  t.is(msgs[0]!.queueOffset, 5);
  t.is(msgs[0]!.commitLogOffset, 1005);
  t.is(msgs[0]!.msgId, '7F00000100002A9F00000000000003ED');
  t.is(msgs[1]!.topic, 'T');
  t.is(msgs[1]!.sourceTopic, '%RETRY%G');
  t.deepEqual(msgs[1]!.body, big);
  t.is(msgs[1]!.brokerName, 'broker-a');
});

test('process queue: consume offset is the lowest unconsumed, then one past the highest', (t) => {
  const pq = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 0 });
  t.is(pq.consumeOffset(), -1);
  const mk = (o: number) => decodePulledRecords(record('T', o, Buffer.from('x'), ''), pq.mq)[0]!;
  pq.put([mk(10), mk(11), mk(12)]);
  t.is(pq.remove([11]), 10);
  t.is(pq.remove([10]), 12);
  t.is(pq.remove([12]), 13);
  pq.put([mk(12)]);
  t.is(pq.size, 0, 'an offset already seen is not buffered again');
});

test('process queue: waitForRoom resolves as soon as consumption brings the buffer to the limit, or on abort', async (t) => {
  const pq = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 0 });
  const mk = (o: number) => decodePulledRecords(record('T', o, Buffer.from('x'), ''), pq.mq)[0]!;
  pq.put([mk(0), mk(1), mk(2), mk(3)]);
  const ac = new AbortController();
  await pq.waitForRoom(4, ac.signal);
  let woke = false;
  const waiting = pq.waitForRoom(2, ac.signal).then(() => (woke = true));
  pq.remove([0]);
  await Promise.resolve();
  t.false(woke, 'still 3 buffered');
  pq.remove([1]);
  await waiting;
  t.true(woke);
  const aborted = pq.waitForRoom(0, ac.signal);
  ac.abort();
  await aborted;
  t.pass('an abort ends the wait');
});

test('local offset store writes atomically and reloads', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-offsets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const mq = { topic: 'T', brokerName: 'b', queueId: 3 };
  const a = new LocalFileOffsetStore(dir, '127.0.0.1@x', 'G');
  await a.load();
  t.is(await a.read(mq), undefined);
  a.update(mq, 42);
  a.update(mq, 40);
  t.is(a.current(mq), 42, 'never moves backwards');
  await a.persistAll();
  t.deepEqual(JSON.parse(await readFile(a.file, 'utf8')), { offsetTable: { 'T@b@3': 42 } });
  const b = new LocalFileOffsetStore(dir, '127.0.0.1@x', 'G');
  await b.load();
  t.is(await b.read(mq), 42);
});

test('sharding key picks |hashCode| % queue count, stable per key', (t) => {
  const mqs = queues(4);
  t.is(shardingQueue(mqs, 'order-1').queueId, shardingQueue(mqs, 'order-1').queueId);
  // Java "TagA".hashCode() = 2598919 → % 4 = 3
  t.is(shardingQueue(mqs, 'TagA').queueId, 2598919 % 4);
});
