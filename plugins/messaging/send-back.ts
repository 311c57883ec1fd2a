import { CometError } from '../../kernel/errors.js';
import type { SendBackRequest, SendBackResult } from '../../kernel/messaging/api.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import type { AppendInput, StoredMessage } from '../../kernel/messaging/message.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import { dlqTopic, retryTopic, validateGroupName } from '../../kernel/messaging/names.js';
import type { MessagingDeps } from './deps.js';
import type { GroupRegistry } from './group-admin.js';
import { authorize, checkOffset, groupResource } from './guards.js';
import type { ScheduleService } from './schedule.js';
import type { TopicRegistry } from './topic-admin.js';
import { DEFAULT_PERM } from './topic-admin.js';

/** Delay level of an automatic retry: 3 + reconsumeTimes (10 s, 30 s, 1 min, …; §2.10.1 step 6). */
export const AUTO_RETRY_BASE_LEVEL = 3;

/**
 * Consumer send-back (CONSUMER_SEND_MSG_BACK), rocketmq-protocol.md §2.10.1: re-store the message at
 * a physical offset for redelivery to a group, on `%RETRY%<group>` through the schedule service, or
 * on `%DLQ%<group>` once its retries are used up. Throws GROUP_NAME_INVALID, GROUP_NOT_FOUND,
 * OFFSET_INVALID, MESSAGE_INVALID (delayLevel), AUTH_FORBIDDEN (`consume` on the group); store
 * refusals come back in `result`.
 */
export class SendBack {
  constructor(
    private readonly deps: Pick<MessagingDeps, 'store' | 'auth'>,
    private readonly topics: TopicRegistry,
    private readonly groups: GroupRegistry,
    private readonly schedule: ScheduleService,
  ) {}

  async sendBack(request: SendBackRequest, identity: Identity): Promise<SendBackResult> {
    validateGroupName(request.group);
    checkOffset(request.physicalOffset, 'physicalOffset');
    if (typeof request.delayLevel !== 'number' || !Number.isSafeInteger(request.delayLevel)) {
      throw new CometError('MESSAGE_INVALID', `delayLevel ${String(request.delayLevel)} is not an integer`);
    }
    await authorize(this.deps.auth, identity, 'consume', groupResource(request.group));
    // Step 1: the group must exist (auto-created).
    const group = await this.groups.ensure(request.group);
    // Step 3: the original by its physical offset.
    const original = await this.deps.store.lookup(request.physicalOffset);
    if (original === undefined) return { status: 'notFound' };
    // Step 5: the group's retryMaxTimes unless the request overrides it.
    const override = request.maxReconsumeTimes;
    const maxReconsumeTimes = override !== undefined && Number.isSafeInteger(override) ? override : group.retryMaxTimes;
    // Step 6: Java compares the ORIGINAL reconsumeTimes: >= max (i.e. old + 1 > max) → DLQ.
    const toDlq = original.reconsumeTimes >= maxReconsumeTimes || request.delayLevel < 0;
    const copy = retryCopy(original, request.originMsgId);
    if (toDlq) {
      const topic = dlqTopic(request.group);
      await this.topics.ensureInternal({ topicName: topic, readQueueNums: 1, writeQueueNums: 1, perm: DEFAULT_PERM });
      const result = await this.deps.store.append({ ...copy, topic, queueId: 0 });
      return { status: 'dlq', topic, result };
    }
    // Step 2: the retry topic has the group's retryQueueNums queues (1 by default).
    const topic = retryTopic(request.group);
    const queues = Math.max(1, group.retryQueueNums);
    await this.topics.ensureInternal({ topicName: topic, readQueueNums: queues, writeQueueNums: queues, perm: DEFAULT_PERM });
    const input: AppendInput = { ...copy, topic, queueId: original.physicalOffset % queues };
    const level = this.schedule.clamp(request.delayLevel === 0 ? AUTO_RETRY_BASE_LEVEL + original.reconsumeTimes : request.delayLevel);
    if (level === 0) return { status: 'retry', topic, result: await this.deps.store.append(input) };
    await this.schedule.ensureTopic();
    return { status: 'retry', topic, result: await this.deps.store.append(this.schedule.hold(input, level)) };
  }
}

/**
 * Step 7: same body, flag, sysFlag, born time/host, tags, keys and properties, plus RETRY_TOPIC
 * (kept when set) and ORIGIN_MESSAGE_ID (kept, else the request's, else the original msgId);
 * reconsumeTimes + 1. Topic and queue are set by the caller.
 */
export function retryCopy(original: StoredMessage, originMsgId: string | undefined): Omit<AppendInput, 'topic' | 'queueId'> {
  const properties: Record<string, string> = { ...original.properties };
  properties[PROPERTY.RETRY_TOPIC] = original.properties[PROPERTY.RETRY_TOPIC] ?? original.topic;
  properties[PROPERTY.ORIGIN_MESSAGE_ID] = original.properties[PROPERTY.ORIGIN_MESSAGE_ID] ?? nonEmpty(originMsgId) ?? original.msgId;
  return {
    body: original.body,
    ...(original.tags === undefined ? {} : { tags: original.tags }),
    keys: original.keys,
    properties,
    flag: original.flag,
    sysFlag: original.sysFlag,
    bornTimestamp: original.bornTimestamp,
    bornHost: original.bornHost,
    reconsumeTimes: original.reconsumeTimes + 1,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
