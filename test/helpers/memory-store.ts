import { CometError } from '../../kernel/errors.js';
import type { AppendInput, HostAddress, StoredMessage } from '../../kernel/messaging/message.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import {
  encodeProperties,
  encodeRecord,
  hostBytes,
  MAX_PROPERTIES_BYTES,
  mergeProperties,
  RecordView,
  recordSize,
} from '../../kernel/messaging/record.js';
import {
  type AppendBatchOptions,
  type AppendResult,
  type ArrivalListener,
  batchRejected,
  type MessageStore,
  type QueueBounds,
  type ReadRequest,
  type ReadResult,
  type StoreStats,
} from '../../kernel/messaging/store.js';
import { matchesMessage, matchesTagCode, tagHashCode } from '../../kernel/messaging/tags.js';

/**
 * An in-memory MessageStore for tests only. Records are real V1 records (kernel/messaging/record.ts)
 * so `raw`, `size`, msgIds and physical offsets behave as in the commit-log store; nothing touches
 * disk. `state` can be handed to a new instance to simulate a reopen.
 */
export interface MemoryStoreOptions {
  readonly storeHost?: HostAddress;
  readonly now?: () => number;
  readonly maxMessageBytes?: number;
  readonly maxReadBytes?: number;
  /** Most consume-queue entries one read scans while filtering by tag. */
  readonly maxScanEntries?: number;
  readonly state?: MemoryStoreState;
}

interface MemoryQueue {
  readonly topic: string;
  readonly queueId: number;
  /** Queue offset of entries[0]. */
  minOffset: number;
  readonly entries: RecordView[];
}

export interface MemoryStoreState {
  readonly records: Map<number, RecordView>;
  readonly queues: Map<string, MemoryQueue>;
  nextPhysicalOffset: number;
  minPhysicalOffset: number;
}

export const MEMORY_STORE_DEFAULTS = Object.freeze({
  storeHost: Object.freeze({ address: '127.0.0.1', port: 10911 }),
  maxMessageBytes: 4 * 1024 * 1024,
  maxReadBytes: 256 * 1024,
  maxScanEntries: 16_000,
});

const queueKey = (topic: string, queueId: number): string => `${queueId}@${topic}`;

export function newMemoryStoreState(): MemoryStoreState {
  return { records: new Map(), queues: new Map(), nextPhysicalOffset: 0, minPhysicalOffset: 0 };
}

export class MemoryStore implements MessageStore {
  readonly state: MemoryStoreState;
  private readonly listeners = new Set<ArrivalListener>();
  private readonly storeHost: HostAddress;
  private readonly now: () => number;
  private readonly maxMessageBytes: number;
  private readonly maxReadBytes: number;
  private readonly maxScanEntries: number;
  private closed = false;

  constructor(private readonly options: MemoryStoreOptions = {}) {
    this.state = options.state ?? newMemoryStoreState();
    this.storeHost = options.storeHost ?? MEMORY_STORE_DEFAULTS.storeHost;
    this.now = options.now ?? Date.now;
    this.maxMessageBytes = options.maxMessageBytes ?? MEMORY_STORE_DEFAULTS.maxMessageBytes;
    this.maxReadBytes = options.maxReadBytes ?? MEMORY_STORE_DEFAULTS.maxReadBytes;
    this.maxScanEntries = options.maxScanEntries ?? MEMORY_STORE_DEFAULTS.maxScanEntries;
  }

  /** A new instance over the same state (what a restart of a durable store would show). */
  reopen(): MemoryStore {
    this.close();
    return new MemoryStore({ ...this.options, state: this.state });
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  async append(input: AppendInput): Promise<AppendResult> {
    return this.appendOne(input);
  }

  async appendBatch(inputs: readonly AppendInput[], options?: AppendBatchOptions): Promise<AppendResult[]> {
    if (options?.allOrNothing === true) {
      const checked = inputs.map((input) => {
        try {
          return this.check(input);
        } catch (e) {
          if (e instanceof CometError) return e;
          throw e;
        }
      });
      const culprit = checked.findIndex((c) => c instanceof CometError);
      if (culprit >= 0) return batchRejected(checked.map((c) => (c instanceof CometError ? c : undefined)), culprit);
    }
    return inputs.map((input) => this.appendOne(input));
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    const queue = this.state.queues.get(queueKey(request.topic, request.queueId));
    if (queue === undefined) return { status: 'noQueue', nextOffset: 0, minOffset: 0, maxOffset: 0 };
    const minOffset = queue.minOffset;
    const maxOffset = minOffset + queue.entries.length;
    const bounds = { minOffset, maxOffset };
    if (request.offset < minOffset) return { status: 'offsetMoved', nextOffset: minOffset, ...bounds };
    if (request.offset > maxOffset) return { status: 'offsetMoved', nextOffset: maxOffset, ...bounds };
    if (request.offset === maxOffset) return { status: 'empty', nextOffset: maxOffset, ...bounds };
    return this.scan(queue, request, bounds);
  }

  async lookup(physicalOffset: number): Promise<StoredMessage | undefined> {
    return this.state.records.get(physicalOffset);
  }

  async lookupByQueueOffset(topic: string, queueId: number, queueOffset: number): Promise<StoredMessage | undefined> {
    const queue = this.state.queues.get(queueKey(topic, queueId));
    return queue?.entries[queueOffset - queue.minOffset];
  }

  minOffset(topic: string, queueId: number): number {
    return this.state.queues.get(queueKey(topic, queueId))?.minOffset ?? 0;
  }

  maxOffset(topic: string, queueId: number): number {
    const queue = this.state.queues.get(queueKey(topic, queueId));
    return queue === undefined ? 0 : queue.minOffset + queue.entries.length;
  }

  queues(): readonly QueueBounds[] {
    return [...this.state.queues.values()].map((q) => ({
      topic: q.topic,
      queueId: q.queueId,
      minOffset: q.minOffset,
      maxOffset: q.minOffset + q.entries.length,
    }));
  }

  async storeTimeAt(topic: string, queueId: number, queueOffset: number): Promise<number | undefined> {
    return (await this.lookupByQueueOffset(topic, queueId, queueOffset))?.storeTimestamp;
  }

  async offsetByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const queue = this.state.queues.get(queueKey(topic, queueId));
    if (queue === undefined) return 0;
    const i = queue.entries.findIndex((m) => m.storeTimestamp >= timestamp);
    return queue.minOffset + (i < 0 ? queue.entries.length : i);
  }

  onArrival(listener: ArrivalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Arrival listeners registered (leak checks). */
  listenerCount(): number {
    return this.listeners.size;
  }

  stats(): StoreStats {
    const end = this.state.nextPhysicalOffset;
    return {
      minPhysicalOffset: this.state.minPhysicalOffset,
      writtenOffset: end,
      flushedOffset: end,
      dispatchedOffset: end,
      segmentCount: 1,
      writable: !this.closed,
    };
  }

  /** Simulate retention: drop a queue's entries below `queueOffset` (its min offset moves there). */
  dropBefore(topic: string, queueId: number, queueOffset: number): void {
    const queue = this.state.queues.get(queueKey(topic, queueId));
    if (queue === undefined || queueOffset <= queue.minOffset) return;
    const removed = queue.entries.splice(0, Math.min(queue.entries.length, queueOffset - queue.minOffset));
    for (const m of removed) this.state.records.delete(m.physicalOffset);
    queue.minOffset += removed.length;
  }

  private scan(queue: MemoryQueue, request: ReadRequest, bounds: { minOffset: number; maxOffset: number }): ReadResult {
    const maxBytes = request.maxBytes ?? this.maxReadBytes;
    const messages: StoredMessage[] = [];
    let bytes = 0;
    let next = request.offset;
    for (let scanned = 0; next < bounds.maxOffset && messages.length < request.max && scanned < this.maxScanEntries; scanned++) {
      const m = queue.entries[next - queue.minOffset]!;
      if (request.filter !== undefined && !(matchesTagCode(request.filter, tagHashCode(m.tags)) && matchesMessage(request.filter, m))) {
        next++;
        continue;
      }
      if (messages.length > 0 && bytes + m.size > maxBytes) break;
      messages.push(m);
      bytes += m.size;
      next++;
    }
    if (messages.length === 0) return { status: 'filtered', nextOffset: next, ...bounds };
    return { status: 'found', messages, nextOffset: next, ...bounds };
  }

  private appendOne(input: AppendInput): AppendResult {
    try {
      return this.store(input);
    } catch (e) {
      if (e instanceof CometError) return { status: 'rejected', error: e };
      throw e;
    }
  }

  private store(input: AppendInput): AppendResult {
    const { topic, properties, propertiesBytes } = this.check(input);
    const record = this.encode(input, topic, properties, propertiesBytes);
    return this.commit(record);
  }

  /** The checks of an append, without storing. */
  private check(input: AppendInput): { topic: string; properties: string; propertiesBytes: number } {
    if (this.closed) throw new CometError('STORE_CLOSED', 'memory store is closed');
    const topic = validateTopicName(input.topic);
    if (!Number.isInteger(input.queueId) || input.queueId < 0 || input.queueId > 0x7fffffff) {
      throw new CometError('QUEUE_ID_INVALID', `queue id ${String(input.queueId)} is not a non-negative integer`);
    }
    if (!(input.body instanceof Uint8Array)) throw new CometError('MESSAGE_INVALID', 'body is not a Uint8Array');
    if (input.body.length > this.maxMessageBytes) {
      throw new CometError('MESSAGE_TOO_LARGE', `body is ${input.body.length} bytes; the limit is ${this.maxMessageBytes}`);
    }
    const properties = encodeProperties(mergeProperties(input.properties, input.tags, input.keys));
    const propertiesBytes = Buffer.byteLength(properties, 'utf8');
    if (propertiesBytes > MAX_PROPERTIES_BYTES) {
      throw new CometError('MESSAGE_PROPERTIES_TOO_LARGE', `properties are ${propertiesBytes} bytes; the limit is ${MAX_PROPERTIES_BYTES}`);
    }
    return { topic, properties, propertiesBytes };
  }

  private encode(input: AppendInput, topic: string, properties: string, propertiesBytes: number): RecordView {
    const queue = this.queueFor(topic, input.queueId);
    const topicBytes = Buffer.from(topic, 'utf8');
    const buf = Buffer.alloc(recordSize(input.body.length, topicBytes.length, propertiesBytes));
    const storeTimestamp = this.now();
    encodeRecord(buf, 0, {
      body: input.body,
      topicBytes,
      properties,
      propertiesBytes,
      queueId: input.queueId,
      flag: input.flag ?? 0,
      queueOffset: queue.minOffset + queue.entries.length,
      physicalOffset: this.state.nextPhysicalOffset,
      sysFlag: input.sysFlag ?? 0,
      bornTimestamp: input.bornTimestamp ?? storeTimestamp,
      bornHost: hostBytes(input.bornHost?.address ?? '0.0.0.0'),
      bornPort: input.bornHost?.port ?? 0,
      storeTimestamp,
      storeHost: hostBytes(this.storeHost.address),
      storePort: this.storeHost.port,
      reconsumeTimes: input.reconsumeTimes ?? 0,
      preparedTransactionOffset: input.preparedTransactionOffset ?? 0,
    });
    return new RecordView(buf);
  }

  private commit(record: RecordView): AppendResult {
    const queue = this.queueFor(record.topic, record.queueId);
    queue.entries.push(record);
    this.state.records.set(record.physicalOffset, record);
    this.state.nextPhysicalOffset += record.size;
    const maxOffset = queue.minOffset + queue.entries.length;
    for (const listener of [...this.listeners]) listener(record.topic, record.queueId, maxOffset);
    return {
      status: 'ok',
      msgId: record.msgId,
      topic: record.topic,
      queueId: record.queueId,
      queueOffset: record.queueOffset,
      physicalOffset: record.physicalOffset,
      storeTimestamp: record.storeTimestamp,
      size: record.size,
    };
  }

  private queueFor(topic: string, queueId: number): MemoryQueue {
    const key = queueKey(topic, queueId);
    let queue = this.state.queues.get(key);
    if (queue === undefined) {
      queue = { topic, queueId, minOffset: 0, entries: [] };
      this.state.queues.set(key, queue);
    }
    return queue;
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}
