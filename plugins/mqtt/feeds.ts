import type { StoredMessage } from '../../kernel/messaging/message.js';
import type { PoppedMessage } from '../../kernel/messaging/pop.js';
import { MATCH_ALL } from '../../kernel/messaging/tags.js';
import { type CursorStart, TopicCursor } from '../../kernel/messaging/topic-cursor.js';
import { abortableDelay, waitForTopicChange } from '../../kernel/messaging/waits.js';
import type { Session, SessionDeps } from './session.js';

/** Longest single long poll of a feed (abortable; the loop polls again at once). */
const FEED_WAIT_MS = 20_000;
/** Most messages a feed reads at once. */
const FEED_BATCH = 256;
/** Pause after a failed read before the feed tries again. */
const RETRY_AFTER_ERROR_MS = 1000;

const NOTHING_TO_SETTLE = (): void => undefined;

/** Reads one CometMQ topic for one session. */
export abstract class Feed {
  #run: AbortController | undefined;

  constructor(
    protected readonly session: Session,
    protected readonly deps: SessionDeps,
    readonly key: string,
  ) {}

  start(): void {
    if (this.#run !== undefined) return;
    const run = new AbortController();
    this.#run = run;
    void this.#loop(run.signal);
  }

  stop(): void {
    this.#run?.abort();
    this.#run = undefined;
  }

  /** Before the feed restarts for a returning client: apply the offline bound. */
  skipOverflow(): void {}

  protected abstract readBatch(max: number, signal: AbortSignal): Promise<void>;

  async #loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.session.room();
      if (signal.aborted) return;
      try {
        await this.readBatch(Math.max(1, Math.min(FEED_BATCH, this.session.roomLeft())), signal);
      } catch (e) {
        if (signal.aborted) return;
        this.deps.logger.warn({ err: e, clientId: this.session.clientId, feed: this.key }, 'MQTT delivery read failed; retrying');
        await abortableDelay(this.deps.clock, RETRY_AFTER_ERROR_MS, signal);
      }
    }
  }
}

/**
 * A non-shared subscription's topic: a TopicCursor from the topic's end at subscribe time (or, for
 * a restored persistent session, from its group's committed offsets). A persistent session commits
 * per queue the lowest offset not yet delivered and acknowledged (at-least-once across restarts).
 */
export class TopicFeed extends Feed {
  readonly #cursor: TopicCursor;
  readonly #topic: string;
  /** queueId → offsets delivered and not yet acknowledged. */
  readonly #pending = new Map<number, Set<number>>();
  readonly #committed = new Map<number, number>();

  constructor(session: Session, deps: SessionDeps, topic: string, from: 'latest' | 'earliest' | 'restored') {
    super(session, deps, topic);
    this.#topic = topic;
    let start: CursorStart = from === 'earliest' ? 'earliest' : 'latest';
    if (from === 'restored' && session.persistent) {
      const offsets = new Map<number, number>();
      for (const e of deps.messaging.groups.offsets(session.group)) if (e.topic === topic) offsets.set(e.queueId, e.offset);
      start = { offsets, unlisted: 'beginning' };
    }
    this.#cursor = new TopicCursor({ messaging: deps.messaging, clock: deps.clock }, topic, MATCH_ALL, start);
    if (session.persistent) this.#cursor.positions().forEach((_, q) => this.#commit(q));
  }

  override skipOverflow(): void {
    const positions = this.#cursor.positions();
    if (positions.length === 0) return;
    const perQueue = Math.max(1, Math.ceil(this.deps.config.maxOfflineMessages / positions.length));
    positions.forEach((pos, q) => {
      if ((this.#pending.get(q)?.size ?? 0) > 0) return;
      const max = this.deps.messaging.maxOffset(this.#topic, q);
      if (max - pos <= perQueue) return;
      this.deps.logger.info({ clientId: this.session.clientId, topic: this.#topic, queueId: q, skipped: max - perQueue - pos }, 'MQTT offline queue over its bound: oldest messages skipped');
      this.#cursor.seek(q, max - perQueue);
      this.#commit(q);
    });
  }

  protected async readBatch(max: number, signal: AbortSignal): Promise<void> {
    const messages = await this.#cursor.next(max, FEED_WAIT_MS, signal);
    if (signal.aborted || !this.session.attached) {
      // Read but not offered: read them again next time.
      for (const m of messages) this.#rewind(m);
      return;
    }
    this.session.batch(() => this.#offerAll(messages));
    if (this.session.persistent) for (const q of new Set(messages.map((m) => m.queueId))) this.#commit(q);
  }

  #offerAll(messages: readonly StoredMessage[]): void {
    if (!this.session.persistent) {
      // A clean session keeps no progress: nothing to track per delivery.
      for (const m of messages) this.session.offer(this.key, m, NOTHING_TO_SETTLE, undefined);
      return;
    }
    for (const m of messages) {
      let set = this.#pending.get(m.queueId);
      if (set === undefined) this.#pending.set(m.queueId, (set = new Set()));
      set.add(m.queueOffset);
      const s = set;
      this.session.offer(this.key, m, () => {
        s.delete(m.queueOffset);
        this.#commit(m.queueId);
      }, undefined);
    }
  }

  #rewind(m: StoredMessage): void {
    const pos = this.#cursor.position(m.queueId);
    if (m.queueOffset < pos) this.#cursor.seek(m.queueId, m.queueOffset);
  }

  /** Commit the queue's progress for a persistent session: the lowest pending offset, else the read position. */
  #commit(queueId: number): void {
    if (!this.session.persistent) return;
    const pending = this.#pending.get(queueId);
    let progress = this.#cursor.position(queueId);
    if (pending !== undefined) for (const o of pending) progress = Math.min(progress, o);
    if (this.#committed.get(queueId) === progress) return;
    this.#committed.set(queueId, progress);
    this.deps.messaging.commitOffset(this.session.group, this.#topic, queueId, progress).catch((e: unknown) => {
      this.deps.logger.warn({ err: e, group: this.session.group, topic: this.#topic, queueId }, 'MQTT session offset commit failed');
    });
  }
}

/**
 * A shared subscription `$share/{name}/…` (MQTT 5 §4.8.2): the clustering consumer group `{name}`
 * through the pop service, so each message goes to one member of the group (on any door). An
 * unacknowledged delivery returns to the group when the member disconnects or after sharedAckTimeoutMs.
 */
export class SharedFeed extends Feed {
  constructor(
    session: Session,
    deps: SessionDeps,
    private readonly share: string,
    private readonly topic: string,
  ) {
    super(session, deps, `$share/${share}/${topic}`);
  }

  protected async readBatch(max: number, signal: AbortSignal): Promise<void> {
    if (this.deps.messaging.topics.get(this.topic) === undefined) {
      await waitForTopicChange(this.deps.messaging, this.deps.clock, this.topic, FEED_WAIT_MS, signal);
      return;
    }
    const popped = await this.deps.pop.receive({ group: this.share, topic: this.topic, max, invisibleMs: this.deps.config.sharedAckTimeoutMs, waitMs: FEED_WAIT_MS, signal });
    this.session.batch(() => {
      for (const p of popped) this.#offer(p, signal);
    });
  }

  #offer(p: PoppedMessage, signal: AbortSignal): void {
    const ack = (): void => {
      this.deps.pop.ack(this.share, p.receiptHandle).catch((e: unknown) => this.deps.logger.debug({ err: e, group: this.share }, 'shared MQTT ack failed (redelivered later)'));
    };
    const release = (): void => {
      this.deps.pop.extend(this.share, p.receiptHandle, 0).catch((e: unknown) => this.deps.logger.debug({ err: e, group: this.share }, 'shared MQTT release failed'));
    };
    if (signal.aborted) return release();
    this.session.offer(this.key, p.message, ack, release);
  }
}
