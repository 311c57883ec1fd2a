import { mkdir } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import type {
  MetadataStore,
  OffsetEntry,
  SubscriptionGroupConfig,
  TopicConfig,
} from '../../kernel/messaging/metadata.js';
import { CometError, wrapError } from '../../kernel/errors.js';
import { systemClock, type Clock, type TimerHandle } from '../../kernel/services.js';
import { AtomicJsonFile } from './atomic-file.js';
import { OffsetTable } from './offsets.js';
import { groupsFileSchema, offsetsFileSchema, topicsFileSchema } from './schemas.js';

export interface FileMetadataOptions {
  /** Folder holding topics.json, groups.json and offsets.json (created if missing). */
  readonly dir: string;
  /** Offsets are persisted this often when changed (default 5000). */
  readonly persistIntervalMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** The file-backed MetadataStore plus close() (stop: persist offsets, finish writes). */
export interface FileMetadataStore extends MetadataStore {
  readonly dir: string;
  close(): Promise<void>;
}

/** Open (or create) the metadata files in `options.dir` without the kernel. */
export async function openFileMetadata(options: FileMetadataOptions): Promise<FileMetadataStore> {
  try {
    await mkdir(options.dir, { recursive: true });
  } catch (e) {
    throw wrapError('METADATA_IO', `Cannot create the metadata directory ${options.dir}`, e);
  }
  const store = new FileMetadata(options);
  await store.load();
  store.startTimer(options.persistIntervalMs ?? 5000);
  return store;
}

class FileMetadata implements FileMetadataStore {
  readonly dir: string;
  private topics = new Map<string, TopicConfig>();
  private groups = new Map<string, SubscriptionGroupConfig>();
  private offsets = new OffsetTable();
  private offsetsDirty = false;
  private closed = false;
  private timer: TimerHandle | undefined;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly topicsFile: AtomicJsonFile<typeof topicsFileSchema>;
  private readonly groupsFile: AtomicJsonFile<typeof groupsFileSchema>;
  private readonly offsetsFile: AtomicJsonFile<typeof offsetsFileSchema>;

  constructor(options: FileMetadataOptions) {
    this.dir = options.dir;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.clock = options.clock ?? systemClock;
    this.topicsFile = new AtomicJsonFile(this.dir, 'topics.json', topicsFileSchema, () => ({
      version: 1 as const,
      topics: [...this.topics.values()],
    }), this.logger);
    this.groupsFile = new AtomicJsonFile(this.dir, 'groups.json', groupsFileSchema, () => ({
      version: 1 as const,
      groups: [...this.groups.values()],
    }), this.logger);
    this.offsetsFile = new AtomicJsonFile(this.dir, 'offsets.json', offsetsFileSchema, () => this.offsets.toFile(), this.logger);
  }

  async load(): Promise<void> {
    const topics = await this.topicsFile.load();
    const groups = await this.groupsFile.load();
    const offsets = await this.offsetsFile.load();
    this.topics = new Map((topics?.topics ?? []).map((c) => [c.topicName, Object.freeze(c)]));
    this.groups = new Map((groups?.groups ?? []).map((c) => [c.groupName, Object.freeze(c)]));
    this.offsets = offsets === undefined ? new OffsetTable() : OffsetTable.fromFile(offsets);
    this.logger.debug({ dir: this.dir, topics: this.topics.size, groups: this.groups.size }, 'metadata loaded');
  }

  startTimer(intervalMs: number): void {
    this.timer = this.clock
      .setInterval(() => {
        this.flushOffsets().catch((err: unknown) => this.logger.error({ err }, 'persisting consumer offsets failed'));
      }, intervalMs)
      .unref();
  }

  getTopic(name: string): TopicConfig | undefined {
    return this.topics.get(name);
  }

  listTopics(): readonly TopicConfig[] {
    return [...this.topics.values()];
  }

  async putTopic(config: TopicConfig): Promise<void> {
    this.assertOpen();
    this.topics.set(config.topicName, Object.freeze({ ...config }));
    await this.topicsFile.save();
  }

  async deleteTopic(name: string): Promise<boolean> {
    this.assertOpen();
    if (!this.topics.delete(name)) return false;
    await this.topicsFile.save();
    return true;
  }

  getGroup(name: string): SubscriptionGroupConfig | undefined {
    return this.groups.get(name);
  }

  listGroups(): readonly SubscriptionGroupConfig[] {
    return [...this.groups.values()];
  }

  async putGroup(config: SubscriptionGroupConfig): Promise<void> {
    this.assertOpen();
    this.groups.set(config.groupName, Object.freeze({ ...config }));
    await this.groupsFile.save();
  }

  async deleteGroup(name: string): Promise<boolean> {
    this.assertOpen();
    if (!this.groups.delete(name)) return false;
    await this.groupsFile.save();
    return true;
  }

  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    if (this.offsets.commit(group, topic, queueId, offset)) this.offsetsDirty = true;
  }

  queryOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.offsets.query(group, topic, queueId);
  }

  offsetsOfGroup(group: string): readonly OffsetEntry[] {
    return this.offsets.ofGroup(group);
  }

  offsetsOfTopic(topic: string): readonly OffsetEntry[] {
    return this.offsets.ofTopic(topic);
  }

  deleteOffsets(group: string, topic?: string): void {
    if (this.offsets.delete(group, topic)) this.offsetsDirty = true;
  }

  async flushOffsets(): Promise<void> {
    if (!this.offsetsDirty) return this.offsetsFile.settled();
    this.offsetsDirty = false;
    try {
      await this.offsetsFile.save();
    } catch (e) {
      this.offsetsDirty = true;
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    try {
      await this.flushOffsets();
    } finally {
      await this.topicsFile.settled();
      await this.groupsFile.settled();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new CometError('METADATA_IO', `The metadata store in ${this.dir} is closed`);
  }
}
