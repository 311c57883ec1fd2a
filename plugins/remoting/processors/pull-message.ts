import { CometError } from '../../../kernel/errors.js';
import { PERM_READ } from '../../../kernel/messaging/metadata.js';
import type { ReadResult } from '../../../kernel/messaging/store.js';
import { parseTagExpression, type TagFilter } from '../../../kernel/messaging/tags.js';
import { PullSysFlag, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import type { RemotingConnection } from '../../../kernel/protocol/remoting/transport.js';
import type { BrokerContext, BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { fail } from '../send.js';

/** PullMessageRequestHeader (rocketmq-protocol.md §2.5 request table). */
interface PullHeader {
  readonly group: string;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly maxMsgNums: number;
  readonly sysFlag: number;
  readonly commitOffset: number;
  readonly suspendTimeoutMillis: number;
  readonly subscription: string | undefined;
  readonly subVersion: number;
  readonly expressionType: string;
}

function pullHeader(request: RemotingCommand): PullHeader {
  const h = headers(request);
  return {
    group: h.str('consumerGroup'),
    topic: h.str('topic'),
    queueId: h.int('queueId'),
    queueOffset: h.int('queueOffset'),
    maxMsgNums: h.int('maxMsgNums'),
    sysFlag: h.int('sysFlag'),
    commitOffset: h.optInt('commitOffset') ?? -1,
    suspendTimeoutMillis: h.optInt('suspendTimeoutMillis') ?? 0,
    subscription: h.optStr('subscription'),
    subVersion: h.optInt('subVersion') ?? 0,
    // §2.5: only sent for SQL92; missing means TAG.
    expressionType: h.optStr('expressionType') ?? 'TAG',
  };
}

const has = (sysFlag: number, bit: number): boolean => (sysFlag & bit) !== 0;

/**
 * 11 PULL_MESSAGE, rocketmq-protocol.md §2.5 step by step. Long polling (step 7): a 19 with the
 * SUSPEND bit parks on messaging.waitForMessages for min(suspendTimeoutMillis, suspendMaxMs), then
 * re-runs the pull once (no parking, no offset commit) and answers whatever that yields.
 */
export const pullMessage: BrokerProcessor = async (ctx, request, connection) => {
  const h = pullHeader(request);
  const checked = await checkRequest(ctx, request, h);
  if ('code' in checked) return checked;
  const filter = checked;
  // Step 3: COMMIT_OFFSET bit → store the consumer's offset (negatives are ignored by messaging, §2.7).
  if (has(h.sysFlag, PullSysFlag.COMMIT_OFFSET)) await ctx.messaging.commitOffset(h.group, h.topic, h.queueId, h.commitOffset);
  const first = await readOnce(ctx, h, filter);
  if (first.code !== ResponseCode.PULL_NOT_FOUND || !has(h.sysFlag, PullSysFlag.SUSPEND)) return answer(request, first);
  await hold(ctx, connection, h);
  return answer(request, await readOnce(ctx, h, filter));
};

/** Steps 1–2: group, topic, permission, queue range, subscription → the tag filter, or the error answer. */
async function checkRequest(ctx: BrokerContext, request: RemotingCommand, h: PullHeader): Promise<TagFilter | RemotingCommand> {
  await ctx.messaging.groups.ensure(h.group); // auto-created; GROUP_NOT_FOUND → 26
  const topic = ctx.messaging.topics.get(h.topic);
  if (topic === undefined) return fail(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!`);
  if ((topic.perm & PERM_READ) === 0) return fail(request, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
  if (h.queueId < 0 || h.queueId >= topic.readQueueNums) {
    return fail(request, ResponseCode.SYSTEM_ERROR, `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}]`);
  }
  if (has(h.sysFlag, PullSysFlag.SUBSCRIPTION)) return tagFilter(request, h.expressionType, h.subscription);
  // Step 2, bit clear: the heartbeat's subscription (24 missing, 25 older than the request's).
  const sub = ctx.clients.subscription(h.group, h.topic);
  if (sub === undefined) return fail(request, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist, group: ${h.group}`);
  if (sub.subVersion < h.subVersion) return fail(request, ResponseCode.SUBSCRIPTION_NOT_LATEST, `the consumer's subscription not latest, group: ${h.group}`);
  return tagFilter(request, sub.expressionType ?? 'TAG', sub.subString);
}

function tagFilter(request: RemotingCommand, expressionType: string, expression: string | undefined): TagFilter | RemotingCommand {
  if (expressionType.toUpperCase() !== 'TAG') {
    return fail(request, ResponseCode.SYSTEM_ERROR, `expression type ${expressionType} is not supported (TAG only)`);
  }
  return parseTagExpression(expression);
}

interface PullOutcome {
  readonly code: number;
  readonly status: string;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  readonly body?: Uint8Array;
}

/** Step 4: one read mapped through the status table. */
async function readOnce(ctx: BrokerContext, h: PullHeader, filter: TagFilter): Promise<PullOutcome> {
  let r: ReadResult;
  try {
    r = await ctx.messaging.read({ topic: h.topic, queueId: h.queueId, offset: h.queueOffset, max: Math.max(1, Math.min(h.maxMsgNums, ctx.config.maxPullMessages)), maxBytes: ctx.config.maxPullBytes, filter });
  } catch (e) {
    // A negative offset is "too small": move the consumer to the queue's min (row OFFSET_TOO_SMALL).
    if (e instanceof CometError && e.code === 'OFFSET_INVALID' && h.queueOffset < 0) return offsetTooSmall(ctx, h);
    throw e;
  }
  const bounds = { minOffset: r.minOffset, maxOffset: r.maxOffset };
  switch (r.status) {
    case 'noQueue': // never written: 21 unless the consumer asks for 0, then 19 (long-pollable)
      return h.queueOffset !== 0
        ? { code: ResponseCode.PULL_OFFSET_MOVED, status: 'NO_MESSAGE_IN_QUEUE', nextBeginOffset: 0, ...bounds }
        : { code: ResponseCode.PULL_NOT_FOUND, status: 'NO_MESSAGE_IN_QUEUE', nextBeginOffset: 0, ...bounds };
    case 'empty': // queueOffset == max: OFFSET_OVERFLOW_ONE → 19, long-poll
      return { code: ResponseCode.PULL_NOT_FOUND, status: 'OFFSET_OVERFLOW_ONE', nextBeginOffset: h.queueOffset, ...bounds };
    case 'offsetMoved': // < min: OFFSET_TOO_SMALL; > max: OFFSET_OVERFLOW_BADLY
      return { code: ResponseCode.PULL_OFFSET_MOVED, status: h.queueOffset < r.minOffset ? 'OFFSET_TOO_SMALL' : 'OFFSET_OVERFLOW_BADLY', nextBeginOffset: r.nextOffset, ...bounds };
    case 'filtered': // NO_MATCHED_MESSAGE → 20, continue past the scanned entries
      return { code: ResponseCode.PULL_RETRY_IMMEDIATELY, status: 'NO_MATCHED_MESSAGE', nextBeginOffset: r.nextOffset, ...bounds };
    case 'found': {
      if (r.messages.length === 0) {
        // Step 6: never SUCCESS with zero messages.
        return { code: ResponseCode.PULL_RETRY_IMMEDIATELY, status: 'NO_MATCHED_MESSAGE', nextBeginOffset: r.nextOffset, ...bounds };
      }
      return { code: ResponseCode.SUCCESS, status: 'FOUND', nextBeginOffset: r.nextOffset, ...bounds, body: Buffer.concat(r.messages.map((m) => m.raw)) };
    }
  }
}

function offsetTooSmall(ctx: BrokerContext, h: PullHeader): PullOutcome {
  const minOffset = ctx.messaging.minOffset(h.topic, h.queueId);
  const maxOffset = ctx.messaging.maxOffset(h.topic, h.queueId);
  return { code: ResponseCode.PULL_OFFSET_MOVED, status: 'OFFSET_TOO_SMALL', nextBeginOffset: minOffset, minOffset, maxOffset };
}

/** Step 7: park until an append at or past the requested offset, the suspend time, the connection closing, or drain. */
async function hold(ctx: BrokerContext, connection: RemotingConnection, h: PullHeader): Promise<void> {
  const timeoutMs = Math.max(0, Math.min(h.suspendTimeoutMillis, ctx.config.suspendMaxMs));
  if (timeoutMs === 0) return;
  const controller = ctx.held.hold(connection);
  try {
    await ctx.messaging.waitForMessages(h.topic, h.queueId, Math.max(0, h.queueOffset), timeoutMs, controller.signal);
  } finally {
    ctx.held.release(connection.id, controller);
  }
}

/** Step 5: all four offset fields on every reply; remark = the status name. */
function answer(request: RemotingCommand, o: PullOutcome): RemotingCommand {
  return createResponse(request, {
    code: o.code,
    remark: o.status,
    extFields: { nextBeginOffset: o.nextBeginOffset, minOffset: o.minOffset, maxOffset: o.maxOffset, suggestWhichBrokerId: 0 },
    ...(o.body === undefined ? {} : { body: o.body }),
  });
}
