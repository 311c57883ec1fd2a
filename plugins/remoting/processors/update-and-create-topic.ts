import { CometError } from '../../../kernel/errors.js';
import { validateTopicName } from '../../../kernel/messaging/names.js';
import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { NOT_ALLOWED_SEND_TOPICS, fail } from '../send.js';
import { ok } from './ok.js';

/**
 * 17 UPDATE_AND_CREATE_TOPIC (Java CreateTopicRequestHeader: topic, defaultTopic, readQueueNums,
 * writeQueueNums, perm, topicFilterType, topicSysFlag, order): validate the name (→ 1), refuse
 * system topics (→ 1), then topics.upsert (range errors → their code, TOPIC_CONFIG_INVALID = 1).
 */
export const updateAndCreateTopic: BrokerProcessor = async (ctx, request) => {
  const h = headers(request);
  const topic = h.optStr('topic') ?? '';
  try {
    validateTopicName(topic);
  } catch (e) {
    if (e instanceof CometError) return fail(request, ResponseCode.SYSTEM_ERROR, e.message);
    throw e;
  }
  if (NOT_ALLOWED_SEND_TOPICS.has(topic)) return fail(request, ResponseCode.SYSTEM_ERROR, `The topic[${topic}] is conflict with system topic.`);
  const readQueueNums = h.optInt('readQueueNums');
  const writeQueueNums = h.optInt('writeQueueNums');
  const perm = h.optInt('perm');
  await ctx.messaging.topics.upsert({
    topicName: topic,
    ...(readQueueNums === undefined ? {} : { readQueueNums }),
    ...(writeQueueNums === undefined ? {} : { writeQueueNums }),
    ...(perm === undefined ? {} : { perm }),
    order: h.bool('order'),
  });
  return ok(request);
};
