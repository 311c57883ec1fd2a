import fs from 'node:fs';
import path from 'node:path';
import { validateTopicName } from '../../kernel/messaging/names.js';
import { ConsumeQueue, QueueFdPool } from './consume-queue.js';
import type { QueueState } from './dispatcher.js';
import type { FileIO } from './file-io.js';

/** Every (topic, queueId) the store knows: consume queue + next offset to assign. */
export class QueueRegistry {
  private readonly byTopic = new Map<string, Map<number, QueueState>>();
  readonly pool: QueueFdPool;

  constructor(
    private readonly io: FileIO,
    readonly dir: string,
    private readonly entriesPerFile: number,
    maxOpenFiles: number,
    private readonly tailEntries = 0,
  ) {
    this.pool = new QueueFdPool(io, maxOpenFiles);
  }

  get(topic: string, queueId: number): QueueState | undefined {
    return this.byTopic.get(topic)?.get(queueId);
  }

  getOrCreate(topic: string, queueId: number): QueueState {
    let m = this.byTopic.get(topic);
    if (!m) {
      m = new Map();
      this.byTopic.set(topic, m);
    }
    let q = m.get(queueId);
    if (!q) {
      const cq = new ConsumeQueue(this.io, this.pool, topic, queueId, path.join(this.dir, topic, String(queueId)), this.entriesPerFile, this.tailEntries);
      cq.load();
      q = { cq, nextOffset: cq.maxOffset };
      m.set(queueId, q);
    }
    return q;
  }

  *all(): Iterable<QueueState> {
    for (const m of this.byTopic.values()) yield* m.values();
  }

  /** Load every consume queue found on disk (names validated: nothing outside the data dir). */
  loadAll(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    for (const topic of fs.readdirSync(this.dir)) {
      try {
        validateTopicName(topic);
      } catch {
        continue;
      }
      for (const qid of fs.readdirSync(path.join(this.dir, topic))) {
        if (/^\d{1,10}$/.test(qid)) this.getOrCreate(topic, Number(qid));
      }
    }
  }
}
