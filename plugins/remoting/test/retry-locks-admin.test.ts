import test from 'ava';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { brokerHarness, decodeRecords, enc, pullRequest, sendV2 } from './harness.js';
import { BASE_LOAD } from './harness.js';
import { eventually } from '../../../test/helpers/wait.js';
import { PullSysFlag } from '../../../kernel/protocol/remoting/codes.js';

test('CONSUMER_SEND_MSG_BACK puts the message on %RETRY%<group>; unknown offset → 1', async (t) => {
  const h = await brokerHarness(t, { messaging: { delayLevels: '1ms 1ms 1ms 1ms 1ms 1ms' } });
  await h.messaging.topics.create({ topicName: 'R', readQueueNums: 1, writeQueueNums: 1 });
  await sendV2(h, 'R', 'again', { properties: 'TAGS\u0001A' });
  const pulled = decodeRecords((await h.call(pullRequest('R', { queueOffset: 0, sysFlag: PullSysFlag.SUBSCRIPTION, subscription: '*' }))).body)[0]!;
  const back = await h.call({
    code: RequestCode.CONSUMER_SEND_MSG_BACK,
    version: 121,
    extFields: { offset: pulled.physicalOffset, group: 'CG1', delayLevel: 0, originMsgId: pulled.msgId, originTopic: 'R', unitMode: false, maxReconsumeTimes: 16 },
  });
  t.is(back.code, ResponseCode.SUCCESS, back.remark);
  const retry = await h.call(pullRequest('%RETRY%CG1', { group: 'CG1', queueOffset: 0, sysFlag: PullSysFlag.SUBSCRIPTION | PullSysFlag.SUSPEND, suspendTimeoutMillis: 10_000, subscription: '*' }), 15_000);
  t.is(retry.code, ResponseCode.SUCCESS);
  const m = decodeRecords(retry.body)[0]!;
  t.is(Buffer.from(m.body).toString(), 'again');
  t.is(m.reconsumeTimes, 1);
  t.is(m.properties.RETRY_TOPIC, 'R');
  const missing = await h.call({ code: RequestCode.CONSUMER_SEND_MSG_BACK, extFields: { offset: 987654321, group: 'CG1', delayLevel: 0 } });
  t.is(missing.code, ResponseCode.SYSTEM_ERROR);
  t.regex(missing.remark ?? '', /look message by offset failed/);
});

const lockBody = (clientId: string, queueIds: number[]) =>
  enc(JSON.stringify({ consumerGroup: 'G', clientId, mqSet: queueIds.map((queueId) => ({ topic: 'T', brokerName: 'broker-a', queueId })) }));
const locked = (body: Uint8Array | undefined): number[] =>
  (JSON.parse(Buffer.from(body ?? []).toString()) as { lockOKMQSet: { queueId: number }[] }).lockOKMQSet.map((mq) => mq.queueId).sort();

test('LOCK_BATCH_MQ / UNLOCK_BATCH_MQ: one owner per queue, renewals, unlock only by the owner', async (t) => {
  const h = await brokerHarness(t, { remoting: { lockExpiryMs: 60_000 } });
  t.deepEqual(locked((await h.call({ code: RequestCode.LOCK_BATCH_MQ, body: lockBody('A', [0, 1]) })).body), [0, 1]);
  t.deepEqual(locked((await h.call({ code: RequestCode.LOCK_BATCH_MQ, body: lockBody('B', [1, 2]) })).body), [2], 'queue 1 held by A');
  t.deepEqual(locked((await h.call({ code: RequestCode.LOCK_BATCH_MQ, body: lockBody('A', [0, 1]) })).body), [0, 1], 'renewal');
  await h.call({ code: RequestCode.UNLOCK_BATCH_MQ, body: lockBody('B', [0, 1]) });
  t.deepEqual(locked((await h.call({ code: RequestCode.LOCK_BATCH_MQ, body: lockBody('B', [1]) })).body), [], 'B could not unlock A');
  const un = await h.call({ code: RequestCode.UNLOCK_BATCH_MQ, body: lockBody('A', [1]) });
  t.is(un.code, ResponseCode.SUCCESS);
  t.deepEqual(locked((await h.call({ code: RequestCode.LOCK_BATCH_MQ, body: lockBody('B', [1]) })).body), [1]);
  const junk = await h.call({ code: RequestCode.LOCK_BATCH_MQ, body: enc('{"mqSet":"x"}') });
  t.is(junk.code, ResponseCode.SYSTEM_ERROR);
});

test('UPDATE_AND_CREATE_TOPIC, QUERY_MESSAGE by key, VIEW_MESSAGE_BY_ID', async (t) => {
  const h = await brokerHarness(t, { load: [...BASE_LOAD.slice(0, 3), 'index-rocksdb', ...BASE_LOAD.slice(3)] });
  const created = await h.call({ code: RequestCode.UPDATE_AND_CREATE_TOPIC, extFields: { topic: 'Q', defaultTopic: 'TBW102', readQueueNums: 3, writeQueueNums: 3, perm: 6, topicFilterType: 'SINGLE_TAG', order: false } });
  t.is(created.code, ResponseCode.SUCCESS, created.remark);
  t.like(h.messaging.topics.get('Q'), { readQueueNums: 3, writeQueueNums: 3, perm: 6 });
  const system = await h.call({ code: RequestCode.UPDATE_AND_CREATE_TOPIC, extFields: { topic: 'SCHEDULE_TOPIC_XXXX', readQueueNums: 1, writeQueueNums: 1, perm: 6 } });
  t.is(system.code, ResponseCode.SYSTEM_ERROR);
  const badPerm = await h.call({ code: RequestCode.UPDATE_AND_CREATE_TOPIC, extFields: { topic: 'Q2', readQueueNums: 1, writeQueueNums: 1, perm: 99 } });
  t.is(badPerm.code, ResponseCode.SYSTEM_ERROR);
  const sent = await sendV2(h, 'Q', 'keyed', { properties: 'KEYS\u0001order-1 other' });
  // The index is fed asynchronously after the append: ask until it has caught up (bounded).
  const found = await eventually(async () => {
    const r = await h.call({ code: RequestCode.QUERY_MESSAGE, extFields: { topic: 'Q', key: 'order-1', maxNum: 32, beginTimestamp: 0, endTimestamp: Date.now() + 60_000 } });
    if (r.code !== ResponseCode.SUCCESS) throw new Error(`code ${r.code}: ${r.remark ?? ''}`);
    return r;
  });
  t.deepEqual(decodeRecords(found.body).map((m) => m.msgId), [sent.extFields.msgId]);
  const none = await h.call({ code: RequestCode.QUERY_MESSAGE, extFields: { topic: 'Q', key: 'nope', maxNum: 32, beginTimestamp: 0, endTimestamp: Date.now() + 60_000 } });
  t.is(none.code, ResponseCode.QUERY_NOT_FOUND);
  const offset = parseInt((sent.extFields.msgId ?? '').slice(16), 16);
  const view = await h.call({ code: RequestCode.VIEW_MESSAGE_BY_ID, extFields: { offset } });
  t.is(view.code, ResponseCode.SUCCESS);
  t.is(Buffer.from(decodeRecords(view.body)[0]!.body).toString(), 'keyed');
  const nothing = await h.call({ code: RequestCode.VIEW_MESSAGE_BY_ID, extFields: { offset: offset + 3 } });
  t.is(nothing.code, ResponseCode.SYSTEM_ERROR);
});
