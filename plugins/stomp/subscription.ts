import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import type { TagFilter } from '../../kernel/messaging/tags.js';
import { TopicCursor } from '../../kernel/messaging/topic-cursor.js';
import { abortableDelay, waitForTopicChange } from '../../kernel/messaging/waits.js';
import type { Clock } from '../../kernel/services.js';
import { consumerMsgId, type StoredMessage } from '../../kernel/messaging/message.js';
import { messageHeaders } from './destinations.js';
import type { StompVersion } from './frame.js';

const FETCH_WAIT_MS = 20_000;
const FETCH_MAX = 64;
const RETRY_AFTER_ERROR_MS = 1000;

export type AckMode = 'auto' | 'client' | 'client-individual';

/** What a subscription needs of its connection. */
export interface StompOutlet {
  readonly version: StompVersion;
  isOpen(): boolean;
  sendFrame(command: string, headers: ReadonlyArray<readonly [string, string]>, body: Buffer | undefined): void;
  canWrite(): boolean;
  whenWritable(): Promise<void>;
}

interface Fetched {
  readonly message: StoredMessage;
  /** Pop receipt handle (queue and durable subscriptions). */
  readonly handle: string | undefined;
}

/** Where a subscription's messages come from. */
interface Source {
  fetch(max: number, signal: AbortSignal): Promise<Fetched[]>;
  ack(handle: string): Promise<void>;
  nack(handle: string): Promise<void>;
  release(handle: string): Promise<void>;
}

export interface SubscriptionDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxUnacked: number;
  readonly ackTimeoutMs: number;
}

/** `/queue/…` and durable `/topic/…`: a clustering group through the pop service. */
export function groupSource(deps: SubscriptionDeps, group: string, topic: string, filter: TagFilter): Source {
  return {
    async fetch(max, signal) {
      if (deps.messaging.topics.get(topic) === undefined) {
        await waitForTopicChange(deps.messaging, deps.clock, topic, FETCH_WAIT_MS, signal);
        return [];
      }
      const popped = await deps.pop.receive({ group, topic, max, invisibleMs: deps.ackTimeoutMs, waitMs: FETCH_WAIT_MS, filter, signal });
      return popped.map((p) => ({ message: p.message, handle: p.receiptHandle }));
    },
    ack: (handle) => deps.pop.ack(group, handle),
    nack: async (handle) => void (await deps.pop.nack(group, handle)),
    release: async (handle) => void (await deps.pop.extend(group, handle, 0)),
  };
}

/** Non-durable `/topic/…`: this subscription's own cursor from the topic's end; nothing to settle. */
export function cursorSource(deps: SubscriptionDeps, topic: string, filter: TagFilter): Source {
  const cursor = new TopicCursor({ messaging: deps.messaging, clock: deps.clock }, topic, filter, 'latest');
  return {
    fetch: async (max, signal) => (await cursor.next(max, FETCH_WAIT_MS, signal)).map((message) => ({ message, handle: undefined })),
    ack: async () => undefined,
    nack: async () => undefined,
    release: async () => undefined,
  };
}

interface Unacked {
  readonly ackId: string;
  readonly messageId: string;
  readonly handle: string | undefined;
}

/**
 * One SUBSCRIBE (STOMP 1.2 §SUBSCRIBE): delivers MESSAGE frames, at most `maxUnacked` unacknowledged
 * in the client ack modes; ACK settles one (`client-individual`) or everything up to it (`client`,
 * cumulative); NACK sends the message to retry (then DLQ) for groups; what is unacknowledged when it
 * ends goes back to its group at once.
 */
export class StompSubscription {
  readonly #unacked = new Map<string, Unacked>();
  readonly #ackIdByMessageId = new Map<string, string>();
  #run: AbortController | undefined;
  #roomWaiter: (() => void) | undefined;
  #seq = 0;

  constructor(
    readonly id: string,
    readonly destination: string,
    readonly ackMode: AckMode,
    private readonly source: Source,
    private readonly outlet: StompOutlet,
    private readonly deps: SubscriptionDeps,
  ) {}

  start(): void {
    if (this.#run !== undefined) return;
    this.#run = new AbortController();
    void this.#loop(this.#run.signal);
  }

  /** Stop delivering; unacknowledged group messages become visible to other subscribers at once. */
  stop(): void {
    this.#run?.abort('subscription ended');
    this.#run = undefined;
    this.#wake();
    const held = [...this.#unacked.values()];
    this.#unacked.clear();
    this.#ackIdByMessageId.clear();
    for (const u of held) if (u.handle !== undefined) this.#settle('release', u.handle);
  }

  /** Is `ackId` a delivery of this subscription awaiting acknowledgement? */
  holds(ackId: string): boolean {
    return this.#unacked.has(ackId);
  }

  /** The ack id of a STOMP 1.1 ACK (message-id + subscription). */
  ackIdOf(messageId: string): string | undefined {
    return this.#ackIdByMessageId.get(messageId);
  }

  /** ACK: false when the id is not a delivery of this subscription awaiting acknowledgement. */
  async ack(ackId: string): Promise<boolean> {
    return this.#resolve(ackId, 'ack');
  }

  async nack(ackId: string): Promise<boolean> {
    return this.#resolve(ackId, 'nack');
  }

  async #resolve(ackId: string, how: 'ack' | 'nack'): Promise<boolean> {
    const target = this.#unacked.get(ackId);
    if (target === undefined) return false;
    // `client` mode is cumulative: everything delivered before it is settled the same way.
    const settled: Unacked[] = [];
    if (this.ackMode === 'client') {
      for (const u of this.#unacked.values()) {
        settled.push(u);
        if (u.ackId === ackId) break;
      }
    } else settled.push(target);
    for (const u of settled) {
      this.#unacked.delete(u.ackId);
      this.#ackIdByMessageId.delete(u.messageId);
    }
    this.#wake();
    await Promise.all(settled.map((u) => (u.handle === undefined ? undefined : this.#settle(how, u.handle))));
    return true;
  }

  #settle(how: 'ack' | 'nack' | 'release', handle: string): Promise<void> {
    const op = how === 'ack' ? this.source.ack(handle) : how === 'nack' ? this.source.nack(handle) : this.source.release(handle);
    return op.catch((e: unknown) => this.deps.logger.debug({ err: e, subscription: this.id, how }, 'STOMP settle failed (redelivered later)'));
  }

  #wake(): void {
    const w = this.#roomWaiter;
    this.#roomWaiter = undefined;
    w?.();
  }

  async #room(signal: AbortSignal): Promise<number> {
    for (;;) {
      if (signal.aborted || !this.outlet.isOpen()) return 0;
      if (!this.outlet.canWrite()) {
        await this.outlet.whenWritable();
        continue;
      }
      if (this.ackMode === 'auto') return FETCH_MAX;
      const room = this.deps.maxUnacked - this.#unacked.size;
      if (room > 0) return Math.min(room, FETCH_MAX);
      await new Promise<void>((resolve) => (this.#roomWaiter = resolve));
    }
  }

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const room = await this.#room(signal);
      if (signal.aborted || room === 0) return;
      let batch: Fetched[];
      try {
        batch = await this.source.fetch(room, signal);
      } catch (e) {
        if (signal.aborted) return;
        this.deps.logger.warn({ err: e, subscription: this.id, destination: this.destination }, 'STOMP subscription read failed; retrying');
        await abortableDelay(this.deps.clock, RETRY_AFTER_ERROR_MS, signal);
        continue;
      }
      for (const f of batch) {
        if (signal.aborted) {
          if (f.handle !== undefined) void this.#settle('release', f.handle);
          continue;
        }
        this.#deliver(f);
      }
    }
  }

  #deliver(f: Fetched): void {
    const m = f.message;
    const messageId = consumerMsgId(m);
    const ackId = f.handle ?? `${this.id}:${++this.#seq}`;
    const headers: [string, string][] = [
      ['subscription', this.id],
      ['message-id', messageId],
      ['destination', this.destination],
    ];
    if (this.ackMode !== 'auto' && this.outlet.version === '1.2') headers.push(['ack', ackId]);
    headers.push(...messageHeaders(m));
    this.outlet.sendFrame('MESSAGE', headers, Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
    if (this.ackMode === 'auto') {
      if (f.handle !== undefined) void this.#settle('ack', f.handle);
      return;
    }
    this.#unacked.set(ackId, { ackId, messageId, handle: f.handle });
    this.#ackIdByMessageId.set(messageId, ackId);
  }
}
