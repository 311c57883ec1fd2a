import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CometError, wrapError } from '../kernel/errors.js';
import { queryConsumerOffset, updateConsumerOffset } from './broker-api.js';
import type { ClientCore } from './client-core.js';
import { mqKey } from './message-codec.js';
import type { MessageQueue } from './types.js';

/** Where a consumer keeps its progress: on the broker (clustering) or in a local file (broadcasting). */
export interface OffsetStore {
  load(): Promise<void>;
  /** The committed offset, or undefined when the group has none for this queue. */
  read(mq: MessageQueue): Promise<number | undefined>;
  /** Record progress in memory (persisted every 5 s / on shutdown). Never moves backwards unless `force`. */
  update(mq: MessageQueue, offset: number, force?: boolean): void;
  /** In-memory offset (−1 when unknown). */
  current(mq: MessageQueue): number;
  persist(mq: MessageQueue): Promise<void>;
  persistAll(): Promise<void>;
  remove(mq: MessageQueue): void;
}

interface Entry {
  readonly mq: MessageQueue;
  offset: number;
  dirty: boolean;
}

abstract class MemoryOffsets {
  protected readonly table = new Map<string, Entry>();

  update(mq: MessageQueue, offset: number, force = false): void {
    const e = this.table.get(mqKey(mq));
    if (e === undefined) this.table.set(mqKey(mq), { mq, offset, dirty: true });
    else if (force || offset > e.offset) {
      e.offset = offset;
      e.dirty = true;
    }
  }

  current(mq: MessageQueue): number {
    return this.table.get(mqKey(mq))?.offset ?? -1;
  }

  remove(mq: MessageQueue): void {
    this.table.delete(mqKey(mq));
  }
}

/** Clustering: QUERY_CONSUMER_OFFSET / UPDATE_CONSUMER_OFFSET on the queue's master (§2.6, §2.7). */
export class RemoteOffsetStore extends MemoryOffsets implements OffsetStore {
  constructor(
    private readonly core: ClientCore,
    private readonly group: string,
  ) {
    super();
  }

  async load(): Promise<void> {}

  async read(mq: MessageQueue): Promise<number | undefined> {
    const offset = await queryConsumerOffset(this.core, this.group, mq);
    if (offset !== undefined && offset >= 0) this.update(mq, offset, true);
    return offset !== undefined && offset >= 0 ? offset : undefined;
  }

  async persist(mq: MessageQueue): Promise<void> {
    const e = this.table.get(mqKey(mq));
    if (e === undefined || e.offset < 0) return;
    await updateConsumerOffset(this.core, this.group, mq, e.offset);
    e.dirty = false;
  }

  async persistAll(): Promise<void> {
    const dirty = [...this.table.values()].filter((e) => e.dirty);
    const results = await Promise.allSettled(dirty.map((e) => this.persist(e.mq)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }
}

/** Broadcasting: a JSON file `{ "offsetTable": { "<topic>@<broker>@<queueId>": offset } }`, written atomically. */
export class LocalFileOffsetStore extends MemoryOffsets implements OffsetStore {
  readonly file: string;

  constructor(dir: string, clientId: string, group: string) {
    super();
    this.file = path.join(dir, clientId.replace(/[^A-Za-z0-9._-]/g, '_'), group, 'offsets.json');
  }

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw wrapError('SDK_OFFSET_STORE_IO', `cannot read ${this.file}`, e);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new CometError('SDK_OFFSET_STORE_IO', `${this.file} is not JSON`, { cause: e });
    }
    const table = (json as { offsetTable?: Record<string, unknown> }).offsetTable ?? {};
    for (const [key, value] of Object.entries(table)) {
      const m = /^(.+)@(.+)@(\d+)$/.exec(key);
      if (m === null || typeof value !== 'number') continue;
      this.table.set(key, { mq: { topic: m[1]!, brokerName: m[2]!, queueId: Number(m[3]) }, offset: value, dirty: false });
    }
  }

  async read(mq: MessageQueue): Promise<number | undefined> {
    const v = this.table.get(mqKey(mq))?.offset;
    return v !== undefined && v >= 0 ? v : undefined;
  }

  persist(): Promise<void> {
    return this.persistAll();
  }

  async persistAll(): Promise<void> {
    const offsetTable: Record<string, number> = {};
    for (const [key, e] of this.table) offsetTable[key] = e.offset;
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(tmp, JSON.stringify({ offsetTable }, null, 2));
      await rename(tmp, this.file);
    } catch (e) {
      throw wrapError('SDK_OFFSET_STORE_IO', `cannot write ${this.file}`, e);
    }
    for (const e of this.table.values()) e.dirty = false;
  }
}
