import { CometError } from '../../kernel/errors.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import { validateGroupName, validateTopicName } from '../../kernel/messaging/names.js';
import type { MessagingDeps } from './deps.js';
import { authorize, checkQueueId, groupResource, topicResource } from './guards.js';

/** Consumer-group offsets (kept by the metadata store) and queue bounds (from the message store). */
export class Offsets {
  constructor(private readonly deps: Pick<MessagingDeps, 'store' | 'metadata' | 'auth'>) {}

  /**
   * Record a group's progress. Authorised as `consume` on the group and the topic. A negative offset
   * is ignored (RocketMQ clients send -1 for "nothing yet"); a non-integer is OFFSET_INVALID.
   */
  async commit(group: string, topic: string, queueId: number, offset: number, identity: Identity): Promise<void> {
    validateGroupName(group);
    validateTopicName(topic);
    checkQueueId(queueId);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) {
      throw new CometError('OFFSET_INVALID', `offset ${String(offset)} is not an integer`);
    }
    await authorize(this.deps.auth, identity, 'consume', groupResource(group));
    await authorize(this.deps.auth, identity, 'consume', topicResource(topic));
    if (offset < 0) return;
    this.deps.metadata.commitOffset(group, topic, queueId, offset);
  }

  query(group: string, topic: string, queueId: number): number | undefined {
    validateGroupName(group);
    this.checkQueue(topic, queueId);
    return this.deps.metadata.queryOffset(group, topic, queueId);
  }

  /** The committed offset, else the queue's min offset: a new group starts at the oldest kept message. */
  start(group: string, topic: string, queueId: number): number {
    return this.query(group, topic, queueId) ?? this.deps.store.minOffset(topic, queueId);
  }

  min(topic: string, queueId: number): number {
    this.checkQueue(topic, queueId);
    return this.deps.store.minOffset(topic, queueId);
  }

  max(topic: string, queueId: number): number {
    this.checkQueue(topic, queueId);
    return this.deps.store.maxOffset(topic, queueId);
  }

  async byTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    this.checkQueue(topic, queueId);
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      throw new CometError('OFFSET_INVALID', `timestamp ${String(timestamp)} is not a number`);
    }
    return this.deps.store.offsetByTime(topic, queueId, timestamp);
  }

  private checkQueue(topic: string, queueId: number): void {
    validateTopicName(topic);
    checkQueueId(queueId);
  }
}
