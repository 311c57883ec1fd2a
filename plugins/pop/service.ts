import type { Logger } from 'pino';
import { CometError } from '../../kernel/errors.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { Auth, Identity, Resource } from '../../kernel/messaging/auth.js';
import { PERM_READ } from '../../kernel/messaging/metadata.js';
import { retryTopic, validateGroupName } from '../../kernel/messaging/names.js';
import type { PopNackOptions, PopNackResult, PopReceiveRequest, PoppedMessage, PopService } from '../../kernel/messaging/pop.js';
import { MATCH_ALL } from '../../kernel/messaging/tags.js';
import type { Clock } from '../../kernel/services.js';
import type { PopConfig } from './config.js';
import { Gatherer } from './gather.js';
import { decodeHandle, encodeHandle, groupTag } from './handle.js';
import type { ReceiptHandle } from './handle.js';
import { KeyedLock } from '../../kernel/keyed-lock.js';
import type { GroupState, PopRegistry, View } from './registry.js';
import { checkDelayLevel, checkExtendMs, checkReceive } from './validate.js';
import { waitForWork } from './wait.js';

const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous' });

export interface PopDeps {
  readonly messaging: Messaging;
  readonly auth: Auth;
  readonly registry: PopRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** PopService over the registry's in-memory state (see README for the semantics). */
export class PopServiceImpl implements PopService {
  private readonly lock = new KeyedLock();
  private readonly gatherer: Gatherer;
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly closing = new AbortController();
  private rotation = 0;
  private waiting = 0;

  constructor(
    private readonly deps: PopDeps,
    private readonly config: PopConfig,
  ) {
    this.gatherer = new Gatherer(deps.messaging, deps.registry, config, deps.clock, deps.logger);
  }

  /** Receives currently parked in a long poll (tests, metrics, leak checks). */
  waitingReceives(): number {
    return this.waiting;
  }

  /** Stop: pending long polls answer at once; later calls fail with SERVICE_UNAVAILABLE. */
  close(): void {
    this.closing.abort();
  }

  async receive(request: PopReceiveRequest, identity: Identity = ANONYMOUS): Promise<PoppedMessage[]> {
    checkReceive(request);
    this.checkOpen();
    await this.authorize(identity, request.group, request.topic);
    const g = await this.ensureGroup(request.group);
    const deadline = this.deps.clock.monotonic() + request.waitMs;
    const key = lockKey(request.group, request.topic);
    const filter = request.filter ?? MATCH_ALL;
    for (;;) {
      const views = this.views(g, request.topic);
      const messages = await this.lock.run(key, () =>
        this.gatherer.gather({ g, views, max: request.max, invisibleMs: request.invisibleMs, filter, identity }),
      );
      if (messages.length > 0) return messages;
      if (views.every((v) => v.retry || v.state.inflightCount >= this.config.maxInflightPerQueue)) {
        throw new CometError('POP_INFLIGHT_LIMIT', `group ${request.group} holds ${this.config.maxInflightPerQueue} unacknowledged messages on every queue of ${request.topic}`);
      }
      const left = deadline - this.deps.clock.monotonic();
      if (left <= 0 || request.signal?.aborted === true || this.closing.signal.aborted) return [];
      this.waiting++;
      try {
        await waitForWork(this.deps.messaging, this.deps.clock, {
          views,
          maxInflightPerQueue: this.config.maxInflightPerQueue,
          timeoutMs: left,
          signals: [request.signal, this.closing.signal],
          onWake: (listener) => this.onWake(key, listener),
        });
      } finally {
        this.waiting--;
      }
    }
  }

  async ack(group: string, receiptHandle: string, identity: Identity = ANONYMOUS): Promise<void> {
    const { g, h, view } = await this.resolve(group, receiptHandle, identity);
    const status = view.state.status(h.offset);
    if (status.kind === 'done') return;
    if (status.kind === 'inflight') expectAttempt(status.entry.attempt, h);
    if (!view.state.markDone(h.offset, this.config.maxInflightPerQueue)) {
      this.deps.logger.debug({ group, topic: view.source, queueId: view.queueId, offset: h.offset }, 'pop ack ahead of the cursor not remembered (limit); it may be delivered again');
      return;
    }
    g.dirty = true;
    await this.deps.registry.reportCommitted(g, view);
  }

  async nack(group: string, receiptHandle: string, options: PopNackOptions = {}, identity: Identity = ANONYMOUS): Promise<PopNackResult> {
    checkDelayLevel(options.delayLevel);
    const { g, h, view } = await this.resolve(group, receiptHandle, identity);
    return this.lock.run(lockKey(group, h.topic), async () => {
      const status = view.state.status(h.offset);
      if (status.kind === 'done') throw expired(h, 'was already acked or nacked');
      if (status.kind === 'unseen') throw expired(h, 'is no longer held by the broker (state lost in a crash); it will be delivered again');
      expectAttempt(status.entry.attempt, h);
      const r = await this.deps.messaging.sendBack(
        { group, physicalOffset: status.entry.physicalOffset, delayLevel: options.delayLevel ?? 0 },
        identity,
      );
      if (r.status !== 'notFound' && r.result.status === 'rejected') throw r.result.error;
      view.state.markDone(h.offset, 0);
      g.dirty = true;
      await this.deps.registry.reportCommitted(g, view);
      // A first nack creates the retry topic: parked receives look again so they also wait on it.
      this.wake(lockKey(group, h.topic));
      if (r.status === 'notFound') throw new CometError('MESSAGE_NOT_FOUND', `the message of this receipt handle no longer exists (removed by retention)`);
      return { status: r.status, topic: r.topic };
    });
  }

  async extend(group: string, receiptHandle: string, invisibleMs: number, identity: Identity = ANONYMOUS): Promise<{ readonly receiptHandle: string; readonly invisibleUntil: number }> {
    checkExtendMs(invisibleMs);
    const { g, h, view } = await this.resolve(group, receiptHandle, identity);
    const status = view.state.status(h.offset);
    if (status.kind === 'done') throw expired(h, 'was already acked or nacked');
    if (status.kind === 'unseen') throw expired(h, 'is no longer held by the broker (state lost in a crash); it will be delivered again');
    const entry = status.entry;
    expectAttempt(entry.attempt, h);
    const invisibleUntil = this.deps.clock.now() + invisibleMs;
    view.state.update(h.offset, entry, Math.max(entry.attempt, h.attempt), invisibleUntil);
    g.dirty = true;
    if (invisibleMs === 0) this.wake(lockKey(group, h.topic));
    const handle = encodeHandle({ ...h, attempt: entry.attempt, invisibleUntil });
    return { receiptHandle: handle, invisibleUntil };
  }

  /** Validate, authorize and find the view a handle names (created from committed offsets if new). */
  private async resolve(group: string, receiptHandle: string, identity: Identity): Promise<{ g: GroupState; h: ReceiptHandle; view: View }> {
    validateGroupName(group);
    this.checkOpen();
    const known = this.deps.registry.findGroup(group);
    const h = decodeHandle(receiptHandle, known?.tag ?? groupTag(group));
    await this.authorize(identity, group, h.topic);
    const g = known ?? this.deps.registry.group(group);
    const existing = this.deps.registry.find(g, h.topic, h.retry, h.queueId);
    if (existing !== undefined) return { g, h, view: existing };
    const source = h.retry ? retryTopic(group) : h.topic;
    const queues = this.deps.messaging.topics.get(source)?.readQueueNums ?? 0;
    if (h.queueId >= queues) throw new CometError('RECEIPT_HANDLE_INVALID', `receipt handle names queue ${h.queueId} of ${source}, which does not exist`);
    return { g, h, view: this.deps.registry.view(g, h.topic, h.retry, h.queueId) };
  }

  /** The topic's queue views, then the retry topic's (when it exists), rotated for fairness. */
  private views(g: GroupState, topic: string): View[] {
    const config = this.deps.messaging.topics.get(topic);
    if (config === undefined) throw new CometError('TOPIC_NOT_FOUND', `topic ${topic} does not exist`);
    if ((config.perm & PERM_READ) === 0) throw new CometError('TOPIC_NOT_READABLE', `topic ${topic} is not readable (perm ${config.perm})`);
    const turn = this.rotation++;
    const main = rotate(range(config.readQueueNums).map((q) => this.deps.registry.view(g, topic, false, q)), turn);
    const retry = this.deps.messaging.topics.get(retryTopic(g.group));
    if (retry === undefined) return main;
    return [...main, ...rotate(range(retry.readQueueNums).map((q) => this.deps.registry.view(g, topic, true, q)), turn)];
  }

  private async ensureGroup(group: string): Promise<GroupState> {
    const g = this.deps.registry.group(group);
    if (!g.ensured) {
      await this.deps.messaging.groups.ensure(group);
      g.ensured = true;
    }
    return g;
  }

  private async authorize(identity: Identity, group: string, topic: string): Promise<void> {
    await this.check(identity, { kind: 'group', name: group });
    await this.check(identity, { kind: 'topic', name: topic });
  }

  private async check(identity: Identity, resource: Resource): Promise<void> {
    const decision = await this.deps.auth.authorize(identity, 'consume', resource);
    if (decision.status === 'deny') {
      throw new CometError('AUTH_FORBIDDEN', `consume on ${resource.kind} ${resource.kind === 'cluster' ? '' : resource.name} denied: ${decision.reason}`);
    }
  }

  private checkOpen(): void {
    if (this.closing.signal.aborted) throw new CometError('SERVICE_UNAVAILABLE', 'the pop service is stopping');
  }

  private onWake(key: string, listener: () => void): () => void {
    let set = this.wakers.get(key);
    if (set === undefined) {
      set = new Set();
      this.wakers.set(key, set);
    }
    set.add(listener);
    const s = set;
    return () => {
      s.delete(listener);
      if (s.size === 0 && this.wakers.get(key) === s) this.wakers.delete(key);
    };
  }

  private wake(key: string): void {
    for (const listener of [...(this.wakers.get(key) ?? [])]) listener();
  }
}

/** A handle of an older delivery than the one in flight is expired; a newer one (state behind after a crash) is accepted. */
function expectAttempt(current: number, h: ReceiptHandle): void {
  if (h.attempt < current) throw expired(h, `is of delivery ${h.attempt}; the message was delivered again (attempt ${current})`);
}

function expired(h: ReceiptHandle, why: string): CometError {
  return new CometError('RECEIPT_HANDLE_EXPIRED', `the message at ${h.topic}${h.retry ? ' (retry)' : ''} queue ${h.queueId} offset ${h.offset} ${why}`);
}

const lockKey = (group: string, topic: string): string => `${group}\u0000${topic}`;

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function rotate<T>(items: T[], turn: number): T[] {
  if (items.length === 0) return items;
  const k = turn % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
