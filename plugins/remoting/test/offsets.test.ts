import test from 'ava';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { brokerHarness, sendV2 } from './harness.js';

const q = (code: number, extra: Record<string, string | number> = {}) => ({ code, extFields: { consumerGroup: 'G', topic: 'O', queueId: 0, ...extra } });

test('query/update consumer offset (§2.6/§2.7), max/min offset, search by time, earliest store time', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'O', readQueueNums: 1, writeQueueNums: 1 });
  const fresh = await h.call(q(RequestCode.QUERY_CONSUMER_OFFSET));
  t.is(fresh.code, ResponseCode.SUCCESS, 'quiet rule: empty queue → 0');
  t.is(fresh.extFields.offset, '0');
  const empty = await h.call(q(RequestCode.GET_EARLIEST_MSG_STORETIME));
  t.is(empty.extFields.timestamp, '-1');
  const before = Date.now();
  for (const b of ['a', 'b', 'c']) await sendV2(h, 'O', b);
  t.is((await h.call(q(RequestCode.GET_MAX_OFFSET))).extFields.offset, '3');
  t.is((await h.call(q(RequestCode.GET_MIN_OFFSET))).extFields.offset, '0');
  const upd = await h.call(q(RequestCode.UPDATE_CONSUMER_OFFSET, { commitOffset: 2 }));
  t.is(upd.code, ResponseCode.SUCCESS);
  t.is((await h.call(q(RequestCode.QUERY_CONSUMER_OFFSET))).extFields.offset, '2');
  const neg = await h.call(q(RequestCode.UPDATE_CONSUMER_OFFSET, { commitOffset: -1 }));
  t.is(neg.code, ResponseCode.SUCCESS, 'answered anyway');
  t.is((await h.call(q(RequestCode.QUERY_CONSUMER_OFFSET))).extFields.offset, '2', 'negative ignored');
  const earliest = Number((await h.call(q(RequestCode.GET_EARLIEST_MSG_STORETIME))).extFields.timestamp);
  t.true(earliest >= before - 1000 && earliest <= Date.now() + 1000);
  t.is((await h.call(q(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { timestamp: 0 }))).extFields.offset, '0');
  t.is((await h.call(q(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, { timestamp: Date.now() + 3_600_000 }))).extFields.offset, '3', 'clamped to max');
  const missing = await h.call({ code: RequestCode.QUERY_CONSUMER_OFFSET, extFields: { consumerGroup: 'G', topic: 'O' } });
  t.is(missing.code, ResponseCode.SYSTEM_ERROR);
  t.regex(missing.remark ?? '', /queueId/);
});

test('query consumer offset answers 22 when the queue no longer starts at 0 and nothing is committed', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'O', readQueueNums: 1, writeQueueNums: 1 });
  await sendV2(h, 'O', 'a');
  const minOffset = h.messaging.minOffset.bind(h.messaging);
  // Retention is not configurable from here: model a truncated queue by overriding min on the live API object.
  (h.messaging as { minOffset: typeof minOffset }).minOffset = (topic, queueId) => (topic === 'O' ? 1 : minOffset(topic, queueId));
  const r = await h.call(q(RequestCode.QUERY_CONSUMER_OFFSET));
  t.is(r.code, ResponseCode.QUERY_NOT_FOUND);
});
