import { CometError } from '../../kernel/errors.js';
import type { ProduceRequest } from '../../kernel/messaging/api.js';
import type { AppendInput, StoredMessage } from '../../kernel/messaging/message.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import { SCHEDULE_TOPIC } from '../../kernel/messaging/names.js';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import type { TimerHandle } from '../../kernel/services.js';
import type { MessagingDeps } from './deps.js';
import type { TopicRegistry } from './topic-admin.js';
import { DEFAULT_PERM } from './topic-admin.js';

/** RocketMQ's internal delay topic (rocketmq-protocol.md §2.10.2): queue L-1 holds delay level L. */
export { SCHEDULE_TOPIC };
/** Consumer-offset group under which the schedule service keeps its per-level progress (METADATA offsets). */
export const SCHEDULE_OFFSET_GROUP = 'SCHEDULE_SERVICE';
/** Messages read per store read while draining a level. */
const READ_BATCH = 32;
/** Properties that only route a held message; cleared on the delivered copy (§2.10.2). */
const ROUTING_PROPERTIES: readonly string[] = [PROPERTY.DELAY, PROPERTY.REAL_TOPIC, PROPERTY.REAL_QID];

type ScheduleDeps = Pick<MessagingDeps, 'store' | 'metadata' | 'clock' | 'logger'>;

interface LevelLoop {
  readonly queueId: number;
  readonly delayMs: number;
  /** Next schedule-queue offset to deliver; loaded from METADATA on the first drain. */
  offset: number | undefined;
  timer: TimerHandle | undefined;
  running: Promise<void> | undefined;
  again: boolean;
}

/**
 * The delay ("schedule") service, rocketmq-protocol.md §2.10.2. Delayed messages are stored to
 * SCHEDULE_TOPIC_XXXX queue L-1; one loop per level delivers its head once storeTimestamp + delay
 * has passed, as a fresh copy on REAL_TOPIC/REAL_QID, then commits the level offset (at-least-once:
 * a crash between the copy and the commit delivers that message again). Equal delays per level make
 * each queue FIFO by due time, so only the head needs a timer.
 */
export class ScheduleService {
  private readonly loops: LevelLoop[];
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly deps: ScheduleDeps,
    private readonly topics: TopicRegistry,
    readonly levelsMs: readonly number[],
    private readonly retryMs: number,
  ) {
    this.loops = levelsMs.map((delayMs, queueId) => ({ queueId, delayMs, offset: undefined, timer: undefined, running: undefined, again: false }));
  }

  get maxLevel(): number {
    return this.levelsMs.length;
  }

  /**
   * The delay level a produce asks for: `delayLevel` when > 0, else the DELAY property (RocketMQ: only
   * > 0 counts; a non-numeric property is ignored). Clamped to the highest level; 0 = no delay.
   * MESSAGE_INVALID for a delayLevel option that is not an integer.
   */
  levelOf(request: Pick<ProduceRequest, 'delayLevel' | 'properties'>): number {
    const option = request.delayLevel;
    if (option !== undefined && (typeof option !== 'number' || !Number.isSafeInteger(option))) {
      throw new CometError('MESSAGE_INVALID', `delayLevel ${String(option)} is not an integer`);
    }
    const fromProperty = Number.parseInt(request.properties?.[PROPERTY.DELAY] ?? '', 10);
    const level = option !== undefined && option > 0 ? option : Number.isSafeInteger(fromProperty) ? fromProperty : 0;
    return this.clamp(level);
  }

  /** 0 for levels <= 0, else `level` clamped to 1..maxLevel. */
  clamp(level: number): number {
    return level <= 0 ? 0 : Math.min(level, this.maxLevel);
  }

  /** The schedule-topic input that holds `input` (its real topic/queue chosen) at `level` (1..max). */
  hold(input: AppendInput, level: number): AppendInput {
    const clamped = this.clamp(level);
    if (clamped === 0) throw new CometError('INTERNAL', `hold() needs a delay level > 0, got ${level}`);
    return {
      ...input,
      topic: SCHEDULE_TOPIC,
      queueId: clamped - 1,
      properties: {
        ...input.properties,
        [PROPERTY.REAL_TOPIC]: input.topic,
        [PROPERTY.REAL_QID]: String(input.queueId),
        [PROPERTY.DELAY]: String(clamped),
      },
    };
  }

  /** The internal schedule topic (one queue per level, perm 6), created without auth when missing. */
  ensureTopic(): Promise<TopicConfig> {
    const queues = this.maxLevel;
    return this.topics.ensureInternal({ topicName: SCHEDULE_TOPIC, readQueueNums: queues, writeQueueNums: queues, perm: DEFAULT_PERM });
  }

  /** Begin delivering: resume every level from its committed offset and wake on arrivals. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.unsubscribe = this.deps.store.onArrival((topic, queueId) => {
      const loop = topic === SCHEDULE_TOPIC ? this.loops[queueId] : undefined;
      // With a timer armed the head is not due yet, and a newer message of the level is due later still.
      if (loop !== undefined && loop.timer === undefined) this.pump(loop);
    });
    for (const loop of this.loops) this.pump(loop);
  }

  /** Stop delivering: timers cancelled, no new work. Await idle() for an in-flight delivery. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const loop of this.loops) this.cancelTimer(loop);
  }

  /** Resolves when no level is draining (tests; shutdown after stop()). */
  async idle(): Promise<void> {
    for (;;) {
      const running = this.loops.map((l) => l.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Timers waiting for a level's head (tests). */
  pendingTimers(): number {
    return this.loops.filter((l) => l.timer !== undefined).length;
  }

  private pump(loop: LevelLoop): void {
    if (this.stopped) return;
    if (loop.running !== undefined) {
      loop.again = true;
      return;
    }
    loop.running = this.run(loop).finally(() => (loop.running = undefined));
  }

  private async run(loop: LevelLoop): Promise<void> {
    do {
      loop.again = false;
      try {
        await this.drain(loop);
      } catch (e) {
        this.deps.logger?.warn({ err: e, level: loop.queueId + 1 }, 'schedule service: draining a delay level failed; retrying');
        this.arm(loop, this.retryMs);
        return;
      }
    } while (loop.again && !this.stopped);
  }

  /** Deliver every due message of the level; arm one timer for the first one not yet due. */
  private async drain(loop: LevelLoop): Promise<void> {
    const store = this.deps.store;
    let offset = loop.offset ?? this.deps.metadata.queryOffset(SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC, loop.queueId) ?? 0;
    loop.offset = offset;
    while (!this.stopped) {
      const read = await store.read({ topic: SCHEDULE_TOPIC, queueId: loop.queueId, offset, max: READ_BATCH });
      if (read.status === 'empty' || read.status === 'noQueue') return;
      if (read.status !== 'found') {
        offset = this.advance(loop, read.nextOffset);
        continue;
      }
      for (const message of read.messages) {
        if (this.stopped) return;
        const due = message.storeTimestamp + loop.delayMs;
        const now = this.deps.clock.now();
        if (due > now) {
          this.arm(loop, due - now);
          return;
        }
        if (!(await this.deliver(message))) {
          this.arm(loop, this.retryMs);
          return;
        }
        offset = this.advance(loop, message.queueOffset + 1);
      }
    }
  }

  /** Store the copy on its real topic; false when the store refused it (retried later). */
  private async deliver(message: StoredMessage): Promise<boolean> {
    const copy = deliveryCopy(message);
    if (copy === undefined) {
      this.deps.logger?.warn({ msgId: message.msgId }, 'schedule service: held message without a valid REAL_TOPIC/REAL_QID skipped');
      return true;
    }
    const result = await this.deps.store.append(copy);
    if (result.status === 'ok') return true;
    this.deps.logger?.warn({ err: result.error, msgId: message.msgId, topic: copy.topic }, 'schedule service: delivery refused by the store; retrying');
    return false;
  }

  private advance(loop: LevelLoop, offset: number): number {
    loop.offset = offset;
    this.deps.metadata.commitOffset(SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC, loop.queueId, offset);
    return offset;
  }

  private arm(loop: LevelLoop, ms: number): void {
    this.cancelTimer(loop);
    if (this.stopped) return;
    loop.timer = this.deps.clock
      .setTimeout(() => {
        loop.timer = undefined;
        this.pump(loop);
      }, Math.max(0, ms))
      .unref();
  }

  private cancelTimer(loop: LevelLoop): void {
    loop.timer?.cancel();
    loop.timer = undefined;
  }
}

/** The message as its real topic gets it: routing properties cleared, everything else kept. */
export function deliveryCopy(message: StoredMessage): AppendInput | undefined {
  const topic = message.properties[PROPERTY.REAL_TOPIC];
  const queueId = Number(message.properties[PROPERTY.REAL_QID]);
  if (topic === undefined || topic.length === 0 || !Number.isSafeInteger(queueId) || queueId < 0) return undefined;
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.properties)) {
    if (!ROUTING_PROPERTIES.includes(key)) properties[key] = value;
  }
  return {
    topic,
    queueId,
    body: message.body,
    ...(message.tags === undefined ? {} : { tags: message.tags }),
    keys: message.keys,
    properties,
    flag: message.flag,
    sysFlag: message.sysFlag,
    bornTimestamp: message.bornTimestamp,
    bornHost: message.bornHost,
    reconsumeTimes: message.reconsumeTimes,
    preparedTransactionOffset: message.preparedTransactionOffset,
  };
}
