import { CometError } from '../../kernel/errors.js';
import type { ReadFromQueue, WaitOutcome } from '../../kernel/messaging/api.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import type { ReadResult } from '../../kernel/messaging/store.js';
import type { MessagingDeps } from './deps.js';
import { authorizeNow, checkOffset, checkQueueId, readableTopic, topicResource } from './guards.js';
import type { WaiterRegistry } from './waiters.js';

/**
 * Reads and long polls. Reads throw CometErrors (TOPIC_NAME_INVALID, AUTH_FORBIDDEN, TOPIC_NOT_FOUND,
 * TOPIC_NOT_READABLE, QUEUE_ID_INVALID, OFFSET_INVALID); the store's answer is returned as is.
 */
export class Reader {
  constructor(
    private readonly deps: Pick<MessagingDeps, 'store' | 'metadata' | 'auth'>,
    private readonly waiters: WaiterRegistry,
    private readonly maxReadMessages: number,
  ) {}

  read(request: ReadFromQueue, identity: Identity): Promise<ReadResult> {
    try {
      validateTopicName(request.topic);
      const pending = authorizeNow(this.deps.auth, identity, 'consume', topicResource(request.topic));
      // A decided read takes no asynchronous step before the store (a tail read is per message).
      return pending === undefined ? this.readAuthorized(request) : pending.then(() => this.readAuthorized(request));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private readAuthorized(request: ReadFromQueue): Promise<ReadResult> {
    const topic = readableTopic(this.deps.metadata, request.topic);
    checkQueueId(request.queueId, topic.readQueueNums, topic.topicName);
    checkOffset(request.offset);
    const max = Number.isFinite(request.max) ? Math.min(this.maxReadMessages, Math.max(1, Math.floor(request.max))) : this.maxReadMessages;
    // The request is the store's read request once its max is within bounds (no copy per read).
    return this.deps.store.read(request.max === max ? request : { ...request, max });
  }

  /** Validation failures and the waiter bound (SERVICE_UNAVAILABLE) reject; outcomes resolve. */
  async waitForMessages(topic: string, queueId: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    validateTopicName(topic);
    checkQueueId(queueId);
    checkOffset(offset);
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new CometError('MESSAGE_INVALID', `timeoutMs ${String(timeoutMs)} is not a non-negative number`);
    }
    return this.waiters.wait(topic, queueId, offset, timeoutMs, signal);
  }

  async waitForTopic(topic: string, offsets: readonly number[], timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    validateTopicName(topic);
    if (!Array.isArray(offsets)) throw new CometError('MESSAGE_INVALID', 'offsets must be an array of queue offsets');
    for (const o of offsets) checkOffset(o);
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new CometError('MESSAGE_INVALID', `timeoutMs ${String(timeoutMs)} is not a non-negative number`);
    }
    return this.waiters.waitTopic(topic, offsets, timeoutMs, signal);
  }
}
