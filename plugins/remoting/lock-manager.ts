import type { Clock } from '../../kernel/services.js';

/** A message queue as LockBatchRequestBody names it (Java MessageQueue). */
export interface MessageQueueRef {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
}

interface LockEntry {
  readonly clientId: string;
  lastUpdate: number;
}

/**
 * Java RebalanceLockManager: an orderly consumer locks its queues on the broker so only one client
 * of the group consumes a queue at a time. A lock is held by one clientId and lapses after
 * `expiryMs` (Clock.monotonic) unless renewed by another lock call from its owner.
 */
export class RebalanceLockManager {
  /** group → queue key → lock. */
  private readonly groups = new Map<string, Map<string, LockEntry>>();

  constructor(
    private readonly clock: Clock,
    private readonly expiryMs: number,
  ) {}

  /** Lock (or renew) every queue that is free, expired or already ours; returns the ones we now hold. */
  tryLockBatch(group: string, queues: readonly MessageQueueRef[], clientId: string): MessageQueueRef[] {
    const now = this.clock.monotonic();
    let locks = this.groups.get(group);
    if (locks === undefined) this.groups.set(group, (locks = new Map()));
    const granted: MessageQueueRef[] = [];
    for (const mq of queues) {
      const key = queueKey(mq);
      const held = locks.get(key);
      if (held === undefined || held.clientId === clientId || this.expired(held, now)) {
        locks.set(key, { clientId, lastUpdate: now });
        granted.push(mq);
      }
    }
    return granted;
  }

  /** Release the queues this client holds; locks held by others are left alone. */
  unlockBatch(group: string, queues: readonly MessageQueueRef[], clientId: string): void {
    const locks = this.groups.get(group);
    if (locks === undefined) return;
    for (const mq of queues) {
      const key = queueKey(mq);
      if (locks.get(key)?.clientId === clientId) locks.delete(key);
    }
    if (locks.size === 0) this.groups.delete(group);
  }

  /** Who holds a queue now (undefined when free or expired). */
  owner(group: string, mq: MessageQueueRef): string | undefined {
    const held = this.groups.get(group)?.get(queueKey(mq));
    return held === undefined || this.expired(held, this.clock.monotonic()) ? undefined : held.clientId;
  }

  /** Forget expired locks (bounded memory). */
  scanExpired(): void {
    const now = this.clock.monotonic();
    for (const [group, locks] of this.groups) {
      for (const [key, held] of locks) if (this.expired(held, now)) locks.delete(key);
      if (locks.size === 0) this.groups.delete(group);
    }
  }

  private expired(held: LockEntry, now: number): boolean {
    return now - held.lastUpdate > this.expiryMs;
  }
}

const queueKey = (mq: MessageQueueRef): string => `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
