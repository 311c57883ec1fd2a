import { firstEntry, type RocksDb } from '../../kernel/storage/rocks.js';
import { parseTimeKey, successor, timeQueuePrefix } from './keys.js';

function queueKey(topic: string, queueId: number): string {
  return `${topic}\u0000${queueId}`;
}

/** No time point indexed yet for this queue. */
const NONE = -1;

export interface QueuePoint {
  readonly prefix: Buffer;
  /** Store timestamp of the newest time point, or NONE. */
  last: number;
}

/**
 * Remembers the newest sparse time point per (topic, queueId) so add() can decide cheaply whether a
 * record starts a new point. Bounded: the least recently used queues are forgotten and re-read from
 * the database (one reverse seek) the next time they are seen.
 */
export class TimePoints {
  private readonly points = new Map<string, QueuePoint>();

  constructor(
    private readonly db: RocksDb,
    private readonly maxQueues: number,
  ) {}

  /** The queue's cached entry (marking it recently used), or undefined when it must be loaded. */
  peek(topic: string, queueId: number): QueuePoint | undefined {
    const id = queueKey(topic, queueId);
    const cached = this.points.get(id);
    if (cached !== undefined && this.points.size > 1) {
      this.points.delete(id);
      this.points.set(id, cached);
    }
    return cached;
  }

  /** Load the queue's newest point from the database (one reverse seek) and cache it. */
  async load(topic: string, queueId: number): Promise<QueuePoint> {
    const prefix = timeQueuePrefix(topic, queueId);
    const newest = await firstEntry(this.db, { gte: prefix, lt: successor(prefix), reverse: true, values: false });
    const point: QueuePoint = { prefix, last: newest === undefined ? NONE : parseTimeKey(newest[0]).storeTimestamp };
    this.points.set(queueKey(topic, queueId), point);
    this.evict();
    return point;
  }

  /** Whether a record stored at `storeTimestamp` should become a new time point. */
  static due(point: QueuePoint, storeTimestamp: number, intervalMs: number): boolean {
    return point.last === NONE || storeTimestamp >= point.last + intervalMs;
  }

  forget(): void {
    this.points.clear();
  }

  private evict(): void {
    while (this.points.size > this.maxQueues) {
      const oldest = this.points.keys().next();
      if (oldest.done === true) return;
      this.points.delete(oldest.value);
    }
  }
}
