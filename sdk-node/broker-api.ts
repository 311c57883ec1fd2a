import { PullSysFlag, RequestCode, ResponseCode } from '../kernel/protocol/remoting/codes.js';
import type { ClientCore } from './client-core.js';
import { decodePulledRecords } from './message-codec.js';
import { expectCode } from './remote.js';
import type { MessageQueue, ReceivedMessage } from './types.js';

/** Broker requests consumers make (shared/rocketmq-protocol.md §2.5–§2.10, §2.12, lock/unlock). */

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  readonly status: PullStatus;
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  readonly messages: readonly ReceivedMessage[];
}

export interface PullParams {
  readonly group: string;
  readonly mq: MessageQueue;
  readonly offset: number;
  readonly maxMsgNums: number;
  readonly subscription: string;
  readonly subVersion: number;
  /** Hold time on the broker; 0 = no long polling. */
  readonly suspendMs: number;
  /** Piggy-backed commit (COMMIT_OFFSET bit) when ≥ 0. */
  readonly commitOffset: number;
  /** Client-side tag re-check (hash collisions, §3.5). */
  readonly accept?: (msg: ReceivedMessage) => boolean;
}

const PULL_STATUS: Readonly<Record<number, PullStatus>> = {
  [ResponseCode.SUCCESS]: 'FOUND',
  [ResponseCode.PULL_NOT_FOUND]: 'NO_NEW_MSG',
  [ResponseCode.PULL_RETRY_IMMEDIATELY]: 'NO_MATCHED_MSG',
  [ResponseCode.PULL_OFFSET_MOVED]: 'OFFSET_ILLEGAL',
};

/** PULL_MESSAGE (11, §2.5) with SUSPEND + SUBSCRIPTION (+ COMMIT_OFFSET) flags. */
export async function pullMessages(core: ClientCore, p: PullParams): Promise<PullResult> {
  const addr = await core.findMaster(p.mq.brokerName, p.mq.topic);
  let sysFlag = PullSysFlag.SUBSCRIPTION;
  if (p.suspendMs > 0) sysFlag |= PullSysFlag.SUSPEND;
  if (p.commitOffset >= 0) sysFlag |= PullSysFlag.COMMIT_OFFSET;
  const extFields = {
    consumerGroup: p.group,
    topic: p.mq.topic,
    queueId: p.mq.queueId,
    queueOffset: p.offset,
    maxMsgNums: p.maxMsgNums,
    sysFlag,
    commitOffset: Math.max(0, p.commitOffset),
    suspendTimeoutMillis: p.suspendMs,
    subscription: p.subscription,
    subVersion: p.subVersion,
  };
  const resp = await core.remoting.invoke(addr, { code: RequestCode.PULL_MESSAGE, extFields }, p.suspendMs + core.requestTimeoutMs + 2000);
  const status = PULL_STATUS[resp.code];
  if (status === undefined) expectCode(resp, [], `pull ${p.mq.topic}@${p.mq.brokerName}:${p.mq.queueId}`);
  const num = (k: string, d: number): number => {
    const v = Number(resp.extFields[k]);
    return Number.isFinite(v) ? v : d;
  };
  const all = status === 'FOUND' ? decodePulledRecords(resp.body, p.mq) : [];
  const messages = p.accept === undefined ? all : all.filter(p.accept);
  return {
    status: status === 'FOUND' && messages.length === 0 ? 'NO_MATCHED_MSG' : status!,
    nextBeginOffset: num('nextBeginOffset', p.offset),
    minOffset: num('minOffset', 0),
    maxOffset: num('maxOffset', 0),
    messages,
  };
}

/** QUERY_CONSUMER_OFFSET (14, §2.6): the committed offset, or undefined on 22. */
export async function queryConsumerOffset(core: ClientCore, group: string, mq: MessageQueue): Promise<number | undefined> {
  const addr = await core.findMaster(mq.brokerName, mq.topic);
  const resp = await core.remoting.invoke(addr, { code: RequestCode.QUERY_CONSUMER_OFFSET, extFields: { consumerGroup: group, topic: mq.topic, queueId: mq.queueId } });
  if (resp.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
  return Number(expectCode(resp, [ResponseCode.SUCCESS], 'query consumer offset').extFields.offset);
}

/** UPDATE_CONSUMER_OFFSET (15, §2.7). */
export async function updateConsumerOffset(core: ClientCore, group: string, mq: MessageQueue, offset: number): Promise<void> {
  const addr = await core.findMaster(mq.brokerName, mq.topic);
  const extFields = { consumerGroup: group, topic: mq.topic, queueId: mq.queueId, commitOffset: offset };
  expectCode(await core.remoting.invoke(addr, { code: RequestCode.UPDATE_CONSUMER_OFFSET, extFields }), [ResponseCode.SUCCESS], 'update consumer offset');
}

/** GET_MAX_OFFSET (30) / GET_MIN_OFFSET (31) / SEARCH_OFFSET_BY_TIMESTAMP (29). */
export async function queueOffset(core: ClientCore, mq: MessageQueue, which: 'max' | 'min' | { timestamp: number }): Promise<number> {
  const addr = await core.findMaster(mq.brokerName, mq.topic);
  const code = which === 'max' ? RequestCode.GET_MAX_OFFSET : which === 'min' ? RequestCode.GET_MIN_OFFSET : RequestCode.SEARCH_OFFSET_BY_TIMESTAMP;
  const extFields = { topic: mq.topic, queueId: mq.queueId, ...(typeof which === 'object' ? { timestamp: which.timestamp } : {}) };
  return Number(expectCode(await core.remoting.invoke(addr, { code, extFields }), [ResponseCode.SUCCESS], `offset of ${mq.topic}:${mq.queueId}`).extFields.offset);
}

/** GET_CONSUMER_LIST_BY_GROUP (38, §2.12) from one broker of the topic. */
export async function consumerIds(core: ClientCore, group: string, brokerAddr: string): Promise<string[]> {
  const resp = await core.remoting.invoke(brokerAddr, { code: RequestCode.GET_CONSUMER_LIST_BY_GROUP, extFields: { consumerGroup: group } });
  const body = JSON.parse(Buffer.from(expectCode(resp, [ResponseCode.SUCCESS], 'consumer list').body ?? new Uint8Array()).toString('utf8')) as unknown;
  const list = typeof body === 'object' && body !== null ? (body as { consumerIdList?: unknown }).consumerIdList : undefined;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/** CONSUMER_SEND_MSG_BACK (36, §2.10): delayLevel 0 = broker picks 3 + reconsumeTimes; < 0 = DLQ. */
export async function sendBack(core: ClientCore, group: string, msg: ReceivedMessage, delayLevel: number, maxReconsumeTimes: number): Promise<void> {
  const addr = await core.findMaster(msg.brokerName, msg.sourceTopic);
  const extFields = {
    offset: msg.commitLogOffset,
    group,
    delayLevel,
    originMsgId: msg.properties.ORIGIN_MESSAGE_ID ?? msg.msgId,
    originTopic: msg.topic,
    unitMode: false,
    maxReconsumeTimes,
  };
  expectCode(await core.remoting.invoke(addr, { code: RequestCode.CONSUMER_SEND_MSG_BACK, extFields }), [ResponseCode.SUCCESS], 'send back');
}

/** LOCK_BATCH_MQ (41): the queues this client now holds. UNLOCK_BATCH_MQ (42) with `unlock`. */
export async function lockBatch(core: ClientCore, group: string, brokerAddr: string, mqs: readonly MessageQueue[], unlock = false): Promise<MessageQueue[]> {
  const body = Buffer.from(JSON.stringify({ consumerGroup: group, clientId: core.clientId, mqSet: mqs }), 'utf8');
  const code = unlock ? RequestCode.UNLOCK_BATCH_MQ : RequestCode.LOCK_BATCH_MQ;
  const resp = expectCode(await core.remoting.invoke(brokerAddr, { code, body }), [ResponseCode.SUCCESS], unlock ? 'unlock queues' : 'lock queues');
  if (unlock || resp.body === undefined || resp.body.length === 0) return [];
  const parsed = JSON.parse(Buffer.from(resp.body).toString('utf8')) as { lockOKMQSet?: MessageQueue[] };
  return Array.isArray(parsed.lockOKMQSet) ? parsed.lockOKMQSet : [];
}
