import test from 'ava';
import { RequestCode, ResponseCode, PullSysFlag } from '../../../kernel/protocol/remoting/codes.js';
import { encodeMsgId } from '../../../kernel/messaging/msgid.js';
import { encodeBatch } from '../batch-codec.js';
import { brokerHarness, decodeRecords, enc, pullOffsets, pullRequest, sendV2, v2 } from './harness.js';

const SUB = PullSysFlag.SUBSCRIPTION;

test('send v2 → pull returns the stored records with offsets, msgIds and §2.4 properties', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'TopicA', readQueueNums: 2, writeQueueNums: 2 });
  const sent = [];
  for (const [i, tag] of ['TagA', 'TagB', 'TagA'].entries()) {
    const r = await sendV2(h, 'TopicA', `m${i}`, { queueId: 1, properties: `TAGS\u0001${tag}\u0002KEYS\u0001k${i}\u0002WAIT\u0001true\u0002` });
    t.is(r.code, ResponseCode.SUCCESS, r.remark);
    t.is(r.extFields.queueId, '1');
    t.is(r.extFields.queueOffset, String(i));
    t.regex(r.extFields.msgId ?? '', /^[0-9A-F]{32}$/);
    t.is(r.extFields.MSG_REGION, 'DefaultRegion');
    t.is(r.extFields.TRACE_ON, 'true');
    sent.push(r.extFields.msgId);
  }
  const pull = await h.call(pullRequest('TopicA', { queueId: 1, queueOffset: 0, sysFlag: SUB, subscription: '*' }));
  t.is(pull.code, ResponseCode.SUCCESS);
  t.is(pull.remark, 'FOUND');
  t.deepEqual(pullOffsets(pull), { next: 3, min: 0, max: 3, broker: '0' });
  const records = decodeRecords(pull.body);
  t.deepEqual(records.map((m) => Buffer.from(m.body).toString()), ['m0', 'm1', 'm2']);
  t.deepEqual(records.map((m) => m.queueOffset), [0, 1, 2]);
  t.deepEqual(records.map((m) => m.msgId), sent, 'msgIds computed from the record match the send responses');
  t.deepEqual(records.map((m) => encodeMsgId(m.storeHost, m.physicalOffset)), sent);
  const props = records[0]!.properties;
  t.is(props.TAGS, 'TagA');
  t.is(props.KEYS, 'k0');
  t.is(props.CLUSTER, 'DefaultCluster', 'CLUSTER added');
  t.false('WAIT' in props, 'WAIT dropped');
  t.false('' in props, 'no empty property from the trailing separator');
  t.is(records[0]!.bornHost.address, '127.0.0.1', 'bornHost = the peer');

  const tagged = await h.call(pullRequest('TopicA', { queueId: 1, queueOffset: 0, sysFlag: SUB, subscription: 'TagA' }));
  t.is(tagged.code, ResponseCode.SUCCESS);
  t.deepEqual(decodeRecords(tagged.body).map((m) => m.queueOffset), [0, 2], 'tag filter');
  t.is(pullOffsets(tagged).next, 3);
});

test('send v1 (long names) and batch (320) are stored and pulled back', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'B', readQueueNums: 1, writeQueueNums: 1 });
  const v1 = await h.call({
    code: RequestCode.SEND_MESSAGE,
    extFields: { producerGroup: 'PG', topic: 'B', defaultTopic: 'TBW102', defaultTopicQueueNums: 4, queueId: 0, sysFlag: 0, bornTimestamp: Date.now(), flag: 7, properties: 'TAGS\u0001X' },
    body: enc('one'),
  });
  t.is(v1.code, ResponseCode.SUCCESS, v1.remark);
  t.is(v1.extFields.queueOffset, '0');
  const batchBody = encodeBatch([
    { flag: 1, body: enc('two'), properties: 'TAGS\u0001Y\u0002UNIQ_KEY\u0001U2' },
    { flag: 2, body: enc('three'), properties: 'KEYS\u0001k3' },
  ]);
  const batch = await h.call({ code: RequestCode.SEND_BATCH_MESSAGE, extFields: v2('B', { batch: true }), body: batchBody });
  t.is(batch.code, ResponseCode.SUCCESS, batch.remark);
  t.is(batch.extFields.queueOffset, '1');
  t.is(batch.extFields.msgId?.split(',').length, 2);
  const pull = await h.call(pullRequest('B', { queueOffset: 0, sysFlag: SUB, subscription: '*' }));
  const records = decodeRecords(pull.body);
  t.deepEqual(records.map((m) => Buffer.from(m.body).toString()), ['one', 'two', 'three']);
  t.deepEqual(records.map((m) => m.flag), [7, 1, 2]);
  t.is(records[1]!.properties.UNIQ_KEY, 'U2');
  t.is(records[2]!.properties.KEYS, 'k3');
  t.deepEqual(batch.extFields.msgId?.split(','), records.slice(1).map((m) => m.msgId));
});

test('pull status table (§2.5): never written, caught up, too small, too big, filtered; all four offsets each time', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'P', readQueueNums: 2, writeQueueNums: 2 });
  const pull = (queueOffset: number, extra: { queueId?: number; subscription?: string } = {}) =>
    h.call(pullRequest('P', { queueOffset, sysFlag: SUB, subscription: extra.subscription ?? '*', queueId: extra.queueId ?? 0 }));
  const never0 = await pull(0, { queueId: 1 });
  t.is(never0.code, ResponseCode.PULL_NOT_FOUND);
  t.deepEqual(pullOffsets(never0), { next: 0, min: 0, max: 0, broker: '0' });
  const never5 = await pull(5, { queueId: 1 });
  t.is(never5.code, ResponseCode.PULL_OFFSET_MOVED);
  t.is(pullOffsets(never5).next, 0);
  for (const tag of ['A', 'A']) await sendV2(h, 'P', 'x', { queueId: 0, properties: `TAGS\u0001${tag}` });
  const caughtUp = await pull(2);
  t.is(caughtUp.code, ResponseCode.PULL_NOT_FOUND);
  t.deepEqual(pullOffsets(caughtUp), { next: 2, min: 0, max: 2, broker: '0' });
  const badly = await pull(9);
  t.is(badly.code, ResponseCode.PULL_OFFSET_MOVED);
  t.deepEqual(pullOffsets(badly), { next: 2, min: 0, max: 2, broker: '0' });
  const negative = await pull(-1);
  t.is(negative.code, ResponseCode.PULL_OFFSET_MOVED);
  t.is(pullOffsets(negative).next, 0);
  const filtered = await pull(0, { subscription: 'B' });
  t.is(filtered.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
  t.is(filtered.body, undefined, 'no empty SUCCESS');
  t.deepEqual(pullOffsets(filtered), { next: 2, min: 0, max: 2, broker: '0' });
  const unknown = await h.call(pullRequest('Nope', { queueOffset: 0, sysFlag: SUB, subscription: '*' }));
  t.is(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
  const badQueue = await pull(0, { queueId: 2 });
  t.is(badQueue.code, ResponseCode.SYSTEM_ERROR);
});

test('pull without the SUBSCRIPTION bit uses the heartbeat subscription: 24 missing, 25 stale, else its filter', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'S', readQueueNums: 1, writeQueueNums: 1 });
  await sendV2(h, 'S', 'a', { properties: 'TAGS\u0001A' });
  await sendV2(h, 'S', 'b', { properties: 'TAGS\u0001B' });
  const missing = await h.call(pullRequest('S', { group: 'G', queueOffset: 0, sysFlag: 0 }));
  t.is(missing.code, ResponseCode.SUBSCRIPTION_NOT_EXIST);
  const hb = { clientID: 'c1', consumerDataSet: [{ groupName: 'G', subscriptionDataSet: [{ topic: 'S', subString: 'B', subVersion: 10 }] }], producerDataSet: [] };
  t.is((await h.call({ code: RequestCode.HEART_BEAT, body: enc(JSON.stringify(hb)) })).code, ResponseCode.SUCCESS);
  const stale = await h.call(pullRequest('S', { group: 'G', queueOffset: 0, sysFlag: 0, subVersion: 11 }));
  t.is(stale.code, ResponseCode.SUBSCRIPTION_NOT_LATEST);
  const r = await h.call(pullRequest('S', { group: 'G', queueOffset: 0, sysFlag: 0, subVersion: 10 }));
  t.is(r.code, ResponseCode.SUCCESS);
  t.deepEqual(decodeRecords(r.body).map((m) => m.tags), ['B']);
});

test('pull with COMMIT_OFFSET stores the consumer offset', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'C', readQueueNums: 1, writeQueueNums: 1 });
  await sendV2(h, 'C', 'a');
  await h.call(pullRequest('C', { group: 'G', queueOffset: 1, sysFlag: SUB | PullSysFlag.COMMIT_OFFSET, commitOffset: 1, subscription: '*' }));
  t.is(h.messaging.queryOffset('G', 'C', 0), 1);
  await h.call(pullRequest('C', { group: 'G', queueOffset: 1, sysFlag: SUB, commitOffset: 0, subscription: '*' }));
  t.is(h.messaging.queryOffset('G', 'C', 0), 1, 'commitOffset ignored without the bit');
});
