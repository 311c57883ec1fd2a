import test from 'ava';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { brokerHarness, enc, v2 } from './harness.js';

test('send rejects: oversize body → 13, invalid topic → 1 with remark, system topic → 1, queueId out of range → 1, unknown topic without auto-create → 17', async (t) => {
  const h = await brokerHarness(t, { remoting: { maxMessageBytes: 1024 }, messaging: { autoCreateTopics: false } });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 2, writeQueueNums: 2 });
  const big = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('T'), body: Buffer.alloc(1025) });
  t.is(big.code, ResponseCode.MESSAGE_ILLEGAL);
  t.regex(big.remark ?? '', /over the limit/);
  const invalid = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('bad/topic'), body: enc('x') });
  t.is(invalid.code, ResponseCode.SYSTEM_ERROR);
  t.regex(invalid.remark ?? '', /characters outside/);
  const system = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('SCHEDULE_TOPIC_XXXX'), body: enc('x') });
  t.is(system.code, ResponseCode.SYSTEM_ERROR);
  t.regex(system.remark ?? '', /forbidden/);
  const range = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('T', { queueId: 2 }), body: enc('x') });
  t.is(range.code, ResponseCode.SYSTEM_ERROR);
  t.regex(range.remark ?? '', /queueId\[2\]/);
  const unknown = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('Missing'), body: enc('x') });
  t.is(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
  const noHeader = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: { b: 'T' }, body: enc('x') });
  t.is(noHeader.code, ResponseCode.SYSTEM_ERROR);
  t.regex(noHeader.remark ?? '', /field a is missing/);
  const badBatch = await h.call({ code: RequestCode.SEND_BATCH_MESSAGE, extFields: v2('T', { batch: true }), body: Buffer.from([0, 0, 0, 99, 1]) });
  t.is(badBatch.code, ResponseCode.MESSAGE_ILLEGAL);
  const unknownCode = await h.call({ code: 9999 });
  t.is(unknownCode.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
});

test('sends to an unknown topic auto-create it by default; a retry-topic send at max reconsume times goes to the DLQ', async (t) => {
  const h = await brokerHarness(t);
  const auto = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('AutoT'), body: enc('x') });
  t.is(auto.code, ResponseCode.SUCCESS, auto.remark);
  t.truthy(h.messaging.topics.get('AutoT'));
  const retry = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('%RETRY%G', { reconsumeTimes: 2, maxReconsumeTimes: 3 }), body: enc('r') });
  t.is(retry.code, ResponseCode.SUCCESS);
  t.is(h.messaging.maxOffset('%RETRY%G', 0), 1, 'below max: stays on the retry topic');
  const dead = await h.call({ code: RequestCode.SEND_MESSAGE_V2, extFields: v2('%RETRY%G', { reconsumeTimes: 3, maxReconsumeTimes: 3 }), body: enc('d') });
  t.is(dead.code, ResponseCode.SUCCESS);
  t.like(h.messaging.topics.get('%DLQ%G'), { readQueueNums: 1, perm: 6 });
  t.is(h.messaging.maxOffset('%DLQ%G', 0), 1);
});
