import type { Messaging, GroupAdmin } from '../../kernel/messaging/api.js';
import type { MessagingConfig } from './config.js';
import { messagingConfig } from './config.js';
import type { MessagingDeps } from './deps.js';
import { ANONYMOUS_IDENTITY } from './deps.js';
import { GroupRegistry } from './group-admin.js';
import { MessageLookup } from './lookup.js';
import { Offsets } from './offsets.js';
import { Producer } from './produce.js';
import { Reader } from './reader.js';
import { parseDelayLevels } from './delay-levels.js';
import { ScheduleService } from './schedule.js';
import { SendBack } from './send-back.js';
import { TopicRegistry } from './topic-admin.js';
import { WaiterRegistry } from './waiters.js';

/** The Messaging API plus what its owner (the plugin, or a test) needs to run it. */
export interface MessagingService extends Messaging {
  readonly topics: TopicRegistry;
  readonly groups: GroupAdmin;
  /** The delay service (delay levels, idle() for tests and shutdown). */
  readonly schedule: ScheduleService;
  /** Start background work: the schedule service's delivery loops (plugin start, after the store opened). */
  start(): void;
  /** Long-poll waiters currently held. */
  waiterCount(): number;
  /**
   * Resolve every waiter 'aborted', stop listening to the store and stop the schedule service (timers
   * cancelled); later waits resolve 'aborted'. Await `schedule.idle()` for an in-flight delivery.
   */
  close(): void;
}

/**
 * Build the messaging API from its dependencies (usable without the kernel). Every call without an
 * identity runs as ANONYMOUS_IDENTITY; internal callers pass INTERNAL_IDENTITY.
 */
export function createMessaging(deps: MessagingDeps, config: MessagingConfig = messagingConfig()): MessagingService {
  const topics = new TopicRegistry(deps, config);
  const groups = new GroupRegistry(deps, config);
  const waiters = new WaiterRegistry(deps, config.maxWaiters);
  // A topic-wide wait reads again when its topic's queues may have changed.
  topics.onChange((name) => waiters.topicChanged(name));
  const schedule = new ScheduleService(deps, topics, parseDelayLevels(config.delayLevels), config.scheduleRetryMs);
  const producer = new Producer(deps, topics, schedule);
  const sendBack = new SendBack(deps, topics, groups, schedule);
  const reader = new Reader(deps, waiters, config.maxReadMessages);
  const offsets = new Offsets(deps);
  const lookup = new MessageLookup(deps, config.maxReadMessages);
  const anon = ANONYMOUS_IDENTITY;
  return {
    topics,
    groups,
    schedule,
    start: () => schedule.start(),
    produce: (request, identity = anon) => producer.produce(request, identity),
    produceBatch: (topic, requests, identity = anon, options) => producer.produceBatch(topic, requests, identity, options),
    read: (request, identity = anon) => reader.read(request, identity),
    waitForMessages: (topic, queueId, offset, timeoutMs, signal) => reader.waitForMessages(topic, queueId, offset, timeoutMs, signal),
    waitForTopic: (topic, offsets, timeoutMs, signal) => reader.waitForTopic(topic, offsets, timeoutMs, signal),
    commitOffset: (group, topic, queueId, offset, identity = anon) => offsets.commit(group, topic, queueId, offset, identity),
    queryOffset: (group, topic, queueId) => offsets.query(group, topic, queueId),
    startOffset: (group, topic, queueId) => offsets.start(group, topic, queueId),
    minOffset: (topic, queueId) => offsets.min(topic, queueId),
    maxOffset: (topic, queueId) => offsets.max(topic, queueId),
    offsetByTime: (topic, queueId, timestamp) => offsets.byTime(topic, queueId, timestamp),
    viewMessage: (msgId, identity = anon) => lookup.view(msgId, identity),
    queryByKey: (topic, key, page, identity = anon) => lookup.byKey(topic, key, page, identity),
    sendBack: (request, identity = anon) => sendBack.sendBack(request, identity),
    delayLevelsMs: () => schedule.levelsMs,
    waiterCount: () => waiters.size(),
    close: () => {
      schedule.stop();
      waiters.close();
    },
  };
}
