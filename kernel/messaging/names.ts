import { CometError } from '../errors.js';

/** RocketMQ's topic charset and length (TopicValidator): keeps every name inside the data dir. */
const TOPIC_RE = /^[%|a-zA-Z0-9_-]+$/;
export const TOPIC_MAX_LENGTH = 127;
export const GROUP_MAX_LENGTH = 255;

export function validateTopicName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new CometError('TOPIC_NAME_INVALID', 'topic name is empty');
  }
  if (name.length > TOPIC_MAX_LENGTH) {
    throw new CometError('TOPIC_NAME_INVALID', `topic name is ${name.length} characters; the limit is ${TOPIC_MAX_LENGTH}`);
  }
  if (!TOPIC_RE.test(name)) {
    throw new CometError('TOPIC_NAME_INVALID', `topic name ${JSON.stringify(name)} has characters outside [%|a-zA-Z0-9_-]`);
  }
  return name;
}

export function validateGroupName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > GROUP_MAX_LENGTH || !TOPIC_RE.test(name)) {
    throw new CometError('GROUP_NAME_INVALID', `group name ${JSON.stringify(name)} is invalid`);
  }
  return name;
}

/** Internal topic holding delayed messages, queue = delay level − 1 (rocketmq-protocol.md §2.10.2). */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

export const RETRY_PREFIX = '%RETRY%';
export const DLQ_PREFIX = '%DLQ%';
export const retryTopic = (group: string): string => RETRY_PREFIX + group;
export const dlqTopic = (group: string): string => DLQ_PREFIX + group;
