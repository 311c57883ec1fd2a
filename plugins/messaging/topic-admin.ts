import { CometError } from '../../kernel/errors.js';
import type { TopicAdmin, TopicChangeListener, TopicSpec, TopicView } from '../../kernel/messaging/api.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import { PERM_READ, PERM_WRITE } from '../../kernel/messaging/metadata.js';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import type { MessagingConfig } from './config.js';
import type { MessagingDeps } from './deps.js';
import { ANONYMOUS_IDENTITY } from './deps.js';
import { authorize, CLUSTER_RESOURCE, isWritable } from './guards.js';
import { KeyedLock } from '../../kernel/keyed-lock.js';

export const MAX_QUEUE_NUMS = 1024;
/** Read + write, like RocketMQ's default topic perm 6. */
export const DEFAULT_PERM = PERM_READ | PERM_WRITE;

type AdminDeps = Pick<MessagingDeps, 'metadata' | 'auth' | 'store' | 'clock' | 'logger'>;

/**
 * Topic administration over the metadata store. Every change is authorised as `admin:write` on the
 * cluster and is durable when its promise resolves. Changes to one topic are serialised.
 */
export class TopicRegistry implements TopicAdmin {
  private autoCreateEnabled: boolean;
  private readonly lock = new KeyedLock();
  private readonly changeListeners = new Set<TopicChangeListener>();

  constructor(
    private readonly deps: AdminDeps,
    private readonly config: MessagingConfig,
  ) {
    this.autoCreateEnabled = config.autoCreateTopics;
  }

  async create(spec: TopicSpec, identity: Identity = ANONYMOUS_IDENTITY): Promise<TopicConfig> {
    const name = checkSpec(spec);
    await authorize(this.deps.auth, identity, 'admin:write', CLUSTER_RESOURCE);
    return this.lock.run(name, async () => {
      if (this.deps.metadata.getTopic(name) !== undefined) {
        throw new CometError('TOPIC_EXISTS', `topic ${name} already exists`);
      }
      return this.write(this.fromSpec(spec, undefined));
    });
  }

  async update(spec: TopicSpec, identity: Identity = ANONYMOUS_IDENTITY): Promise<TopicConfig> {
    const name = checkSpec(spec);
    await authorize(this.deps.auth, identity, 'admin:write', CLUSTER_RESOURCE);
    return this.lock.run(name, async () => {
      const existing = this.deps.metadata.getTopic(name);
      if (existing === undefined) throw new CometError('TOPIC_NOT_FOUND', `topic ${name} does not exist`);
      return this.write(this.fromSpec(spec, existing));
    });
  }

  async upsert(spec: TopicSpec, identity: Identity = ANONYMOUS_IDENTITY): Promise<TopicConfig> {
    const name = checkSpec(spec);
    await authorize(this.deps.auth, identity, 'admin:write', CLUSTER_RESOURCE);
    return this.lock.run(name, async () => this.write(this.fromSpec(spec, this.deps.metadata.getTopic(name))));
  }

  get(name: string): TopicConfig | undefined {
    return this.deps.metadata.getTopic(name);
  }

  list(): readonly TopicConfig[] {
    return this.deps.metadata.listTopics();
  }

  describe(name: string): TopicView | undefined {
    const topic = this.deps.metadata.getTopic(name);
    if (topic === undefined) return undefined;
    const count = Math.max(topic.readQueueNums, topic.writeQueueNums);
    const queues = Array.from({ length: count }, (_, queueId) => ({
      queueId,
      minOffset: this.deps.store.minOffset(name, queueId),
      maxOffset: this.deps.store.maxOffset(name, queueId),
    }));
    return { ...topic, queues };
  }

  /**
   * Remove the topic's config and its consumer offsets. Stored messages stay in the log until
   * retention removes them (the log is append-only).
   */
  async delete(name: string, identity: Identity = ANONYMOUS_IDENTITY): Promise<boolean> {
    validateTopicName(name);
    await authorize(this.deps.auth, identity, 'admin:write', CLUSTER_RESOURCE);
    return this.lock.run(name, async () => {
      const removed = await this.deps.metadata.deleteTopic(name);
      const groups = new Set(this.deps.metadata.offsetsOfTopic(name).map((e) => e.group));
      for (const group of groups) this.deps.metadata.deleteOffsets(group, name);
      if (removed) this.notify(name, undefined);
      return removed;
    });
  }

  autoCreate(): boolean {
    return this.autoCreateEnabled;
  }

  async setAutoCreate(enabled: boolean, identity: Identity = ANONYMOUS_IDENTITY): Promise<void> {
    await authorize(this.deps.auth, identity, 'admin:write', CLUSTER_RESOURCE);
    this.autoCreateEnabled = enabled;
  }

  /**
   * The topic a produce writes to: existing, or auto-created (default queue counts, perm RW) when
   * auto-create is on. The caller has validated the name and authorised `produce`.
   * Throws TOPIC_NOT_FOUND / TOPIC_NOT_WRITABLE.
   */
  async writableForProduce(name: string): Promise<TopicConfig> {
    return this.existingWritable(name) ?? writable(await this.autoCreateTopic(name));
  }

  /** writableForProduce for a topic that exists (undefined when it does not): no asynchronous step. */
  existingWritable(name: string): TopicConfig | undefined {
    const topic = this.deps.metadata.getTopic(name);
    return topic === undefined ? undefined : writable(topic);
  }

  /** Called after a create/update/upsert/auto-create (config) or delete (undefined) is persisted. */
  onChange(listener: TopicChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  onDeleted(listener: (topic: string) => void): () => void {
    return this.onChange((name, config) => {
      if (config === undefined) listener(name);
    });
  }

  /**
   * Internal path (retry, DLQ and schedule topics): no auth. Creates the topic from `spec` when
   * missing; raises an existing topic's queue counts to the spec's when they are lower.
   */
  async ensureInternal(spec: TopicSpec): Promise<TopicConfig> {
    const name = checkSpec(spec);
    const existing = this.deps.metadata.getTopic(name);
    if (existing !== undefined && !needsMoreQueues(existing, spec)) return existing;
    return this.lock.run(name, async () => {
      const current = this.deps.metadata.getTopic(name);
      if (current !== undefined && !needsMoreQueues(current, spec)) return current;
      if (current === undefined) return this.write(this.fromSpec(spec, undefined));
      const raised: TopicSpec = {
        topicName: name,
        readQueueNums: Math.max(current.readQueueNums, spec.readQueueNums ?? 0),
        writeQueueNums: Math.max(current.writeQueueNums, spec.writeQueueNums ?? 0),
      };
      return this.write(this.fromSpec(raised, current));
    });
  }

  private async autoCreateTopic(name: string): Promise<TopicConfig> {
    if (!this.autoCreateEnabled) {
      throw new CometError('TOPIC_NOT_FOUND', `topic ${name} does not exist and autoCreateTopics is off`);
    }
    return this.lock.run(name, async () => this.deps.metadata.getTopic(name) ?? this.write(this.fromSpec({ topicName: name }, undefined)));
  }

  private async write(config: TopicConfig): Promise<TopicConfig> {
    await this.deps.metadata.putTopic(config);
    this.notify(config.topicName, config);
    return config;
  }

  /** A throwing listener is logged and never fails the admin operation that was already persisted. */
  private notify(name: string, config: TopicConfig | undefined): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener(name, config);
      } catch (e) {
        this.deps.logger?.warn({ err: e, topic: name }, 'topic change listener failed');
      }
    }
  }

  private fromSpec(spec: TopicSpec, existing: TopicConfig | undefined): TopicConfig {
    const now = this.deps.clock.now();
    const queues = this.config.defaultQueueNums;
    return {
      topicName: spec.topicName,
      readQueueNums: spec.readQueueNums ?? existing?.readQueueNums ?? queues,
      writeQueueNums: spec.writeQueueNums ?? existing?.writeQueueNums ?? queues,
      perm: spec.perm ?? existing?.perm ?? DEFAULT_PERM,
      order: spec.order ?? existing?.order ?? false,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
  }
}

/** Validate a spec's name and ranges (TOPIC_NAME_INVALID / TOPIC_CONFIG_INVALID); returns the name. */
export function checkSpec(spec: TopicSpec): string {
  const name = validateTopicName(spec.topicName);
  checkQueueNums('readQueueNums', spec.readQueueNums);
  checkQueueNums('writeQueueNums', spec.writeQueueNums);
  if (spec.perm !== undefined && !(Number.isInteger(spec.perm) && spec.perm >= 0 && spec.perm <= 7)) {
    throw new CometError('TOPIC_CONFIG_INVALID', `perm ${String(spec.perm)} is not an integer in 0..7`);
  }
  if (spec.order !== undefined && typeof spec.order !== 'boolean') {
    throw new CometError('TOPIC_CONFIG_INVALID', `order ${String(spec.order)} is not a boolean`);
  }
  return name;
}

function needsMoreQueues(existing: TopicConfig, spec: TopicSpec): boolean {
  return existing.readQueueNums < (spec.readQueueNums ?? 0) || existing.writeQueueNums < (spec.writeQueueNums ?? 0);
}

function checkQueueNums(field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > MAX_QUEUE_NUMS) {
    throw new CometError('TOPIC_CONFIG_INVALID', `${field} ${String(value)} is not an integer in 1..${MAX_QUEUE_NUMS}`);
  }
}

function writable(topic: TopicConfig): TopicConfig {
  if (!isWritable(topic)) throw new CometError('TOPIC_NOT_WRITABLE', `topic ${topic.topicName} is not writable (perm ${topic.perm})`);
  return topic;
}
