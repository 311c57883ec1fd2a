import { CometError } from '../../kernel/errors.js';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import type { ProduceRequest } from '../../kernel/messaging/api.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import { DLQ_PREFIX, RETRY_PREFIX, dlqTopic, validateTopicName } from '../../kernel/messaging/names.js';
import { decodeProperties, splitKeys } from '../../kernel/messaging/record.js';
import type { AppendResult } from '../../kernel/messaging/store.js';
import { ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../kernel/protocol/remoting/command.js';
import type { RemotingConnection } from '../../kernel/protocol/remoting/transport.js';
import { peerHost, type BrokerContext } from './context.js';
import type { SendHeader } from './send-header.js';
import { SCHEDULE_TOPIC } from '../../kernel/messaging/names.js';

/** §2.4: topics clients may not send to (TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET). */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  SCHEDULE_TOPIC,
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
]);

/** ali-ons sends version 121 (V3_4_9); from it on the request's maxReconsumeTimes counts (§2.4, §2.10.1). */
const V3_4_9 = 121;
const RETRY_PERM = 6;

export const fail = (request: RemotingCommand, code: number, remark: string): RemotingCommand => createResponse(request, { code, remark });

/** Where a send goes after the §2.4 checks, or the error answer. */
export interface SendTarget {
  readonly topic: string;
  /** undefined: messaging picks (round-robin). */
  readonly queueId: number | undefined;
  readonly config: TopicConfig | undefined;
  readonly redirectedToDlq: boolean;
}

/** §2.4 topic checks: valid name (→ 1), not a system topic (→ 1), exists or may be auto-created (→ 17), queueId range (→ 1). */
export async function sendTarget(ctx: BrokerContext, request: RemotingCommand, h: SendHeader): Promise<SendTarget | RemotingCommand> {
  try {
    validateTopicName(h.topic);
  } catch (e) {
    if (e instanceof CometError) return fail(request, ResponseCode.SYSTEM_ERROR, e.message);
    throw e;
  }
  if (NOT_ALLOWED_SEND_TOPICS.has(h.topic)) {
    return fail(request, ResponseCode.SYSTEM_ERROR, `Sending message to topic[${h.topic}] is forbidden.`);
  }
  const topics = ctx.messaging.topics;
  let config = topics.get(h.topic);
  // §2.4: unknown %RETRY% topics are created with 1 queue (the ali-ons fallback send-back path).
  if (config === undefined && h.topic.startsWith(RETRY_PREFIX)) config = await ensureInternalTopic(ctx, h.topic);
  if (config === undefined && !topics.autoCreate()) {
    return fail(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!`);
  }
  if (config !== undefined && h.queueId >= Math.max(config.readQueueNums, config.writeQueueNums)) {
    return fail(request, ResponseCode.SYSTEM_ERROR, `request queueId[${h.queueId}] is illegal, topic ${h.topic} has ${config.writeQueueNums} write queues`);
  }
  const target: SendTarget = { topic: h.topic, queueId: h.queueId >= 0 ? h.queueId : undefined, config, redirectedToDlq: false };
  return h.topic.startsWith(RETRY_PREFIX) ? retryOrDlq(ctx, request, h, target) : target;
}

/** §2.4: a retry-topic message at its max reconsume times goes to %DLQ%<group> (1 queue, perm 6) instead. */
async function retryOrDlq(ctx: BrokerContext, request: RemotingCommand, h: SendHeader, target: SendTarget): Promise<SendTarget> {
  const group = h.topic.slice(RETRY_PREFIX.length);
  const groupConfig = await ctx.messaging.groups.ensure(group);
  const max = request.version >= V3_4_9 && h.maxReconsumeTimes !== undefined ? h.maxReconsumeTimes : groupConfig.retryMaxTimes;
  if (h.reconsumeTimes < max) return target;
  const dlq = dlqTopic(group);
  return { topic: dlq, queueId: 0, config: await ensureInternalTopic(ctx, dlq), redirectedToDlq: true };
}

/** Retry/DLQ topics: 1 read + 1 write queue, perm 6, created by the broker itself. */
export async function ensureInternalTopic(ctx: BrokerContext, topic: string): Promise<TopicConfig> {
  const existing = ctx.messaging.topics.get(topic);
  if (existing !== undefined) return existing;
  return ctx.messaging.topics.upsert({ topicName: topic, readQueueNums: 1, writeQueueNums: 1, perm: RETRY_PERM }, INTERNAL_IDENTITY);
}

/** Body limit (§2.4: 4 MiB → 13 MESSAGE_ILLEGAL). */
export function bodyTooLarge(ctx: BrokerContext, request: RemotingCommand, length: number): RemotingCommand | undefined {
  if (length <= ctx.config.maxMessageBytes) return undefined;
  return fail(request, ResponseCode.MESSAGE_ILLEGAL, `the message body size ${length} is over the limit ${ctx.config.maxMessageBytes}`);
}

/**
 * One message as messaging.produce takes it. §2.4: properties re-serialized by the store (no trailing
 * separator) with CLUSTER added and WAIT dropped; DELAY → delayLevel (not for the DLQ); bornHost =
 * the peer's socket address.
 */
export function produceRequest(
  ctx: BrokerContext,
  connection: RemotingConnection,
  target: SendTarget,
  msg: { body: Uint8Array; properties: string | undefined; flag: number; sysFlag: number; bornTimestamp: number; reconsumeTimes: number },
): ProduceRequest {
  const props = decodeProperties(msg.properties ?? '');
  delete props[PROPERTY.WAIT];
  props[PROPERTY.CLUSTER] = ctx.kernel.clusterName;
  const delay = Number(props[PROPERTY.DELAY] ?? '0');
  if (target.redirectedToDlq) delete props[PROPERTY.DELAY];
  const delayLevel = !target.redirectedToDlq && Number.isInteger(delay) && delay > 0 ? delay : undefined;
  const tags = props[PROPERTY.TAGS];
  const keys = splitKeys(props[PROPERTY.KEYS]);
  // One object literal of fixed shape, no conditional spreads (this runs for every message).
  return {
    topic: target.topic,
    body: msg.body,
    properties: props,
    tags,
    keys: keys.length === 0 ? undefined : keys,
    flag: msg.flag,
    sysFlag: msg.sysFlag,
    bornTimestamp: msg.bornTimestamp,
    bornHost: peerHost(connection),
    reconsumeTimes: msg.reconsumeTimes,
    queueId: target.queueId,
    delayLevel,
  };
}

/** §2.4 response: msgId, queueId, queueOffset, MSG_REGION, TRACE_ON; a rejection answers its remotingCode + remark. */
export function sendResponse(ctx: BrokerContext, request: RemotingCommand, result: AppendResult): RemotingCommand {
  if (result.status === 'rejected') return fail(request, result.error.remotingCode, result.error.message);
  return createResponse(request, {
    code: ResponseCode.SUCCESS,
    extFields: {
      msgId: result.msgId,
      queueId: result.queueId,
      queueOffset: result.queueOffset,
      MSG_REGION: ctx.config.region,
      TRACE_ON: ctx.config.traceOn,
    },
  });
}

export const isInternalTopic = (topic: string): boolean => topic.startsWith(RETRY_PREFIX) || topic.startsWith(DLQ_PREFIX);

/** SEND_MESSAGE (10) / SEND_MESSAGE_V2 (310) after header parsing (§2.4). */
export async function sendSingle(ctx: BrokerContext, request: RemotingCommand, connection: RemotingConnection, h: SendHeader): Promise<RemotingCommand> {
  const body = request.body ?? new Uint8Array(0);
  const tooLarge = bodyTooLarge(ctx, request, body.length);
  if (tooLarge !== undefined) return tooLarge;
  const target = await sendTarget(ctx, request, h);
  if (!('redirectedToDlq' in target)) return target;
  const produce = produceRequest(ctx, connection, target, { body, properties: h.properties, flag: h.flag, sysFlag: h.sysFlag, bornTimestamp: h.bornTimestamp, reconsumeTimes: h.reconsumeTimes });
  return sendResponse(ctx, request, await ctx.messaging.produce(produce));
}
