import type { IPublishPacket, QoS } from 'mqtt-packet';
import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { StoredMessage } from '../../kernel/messaging/message.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import { DLQ_PREFIX, RETRY_PREFIX, SCHEDULE_TOPIC } from '../../kernel/messaging/names.js';
import type { Clock } from '../../kernel/services.js';
import type { MqttConfig } from './config.js';
import { type Feed, SharedFeed, TopicFeed } from './feeds.js';
import { expiresAt, MQTT_PROPERTY, mqttTopicOf, outboundProperties, publishedQos } from './mapping.js';
import type { SessionRecord, SubscriptionRecord } from './state.js';
import { matches, type TopicFilter } from './topics.js';

/** What a session needs of the connection it is attached to. */
export interface Outlet {
  readonly protocolVersion: 3 | 4 | 5;
  /** Most QoS 1/2 deliveries unacknowledged at once (the client's Receive Maximum, or config). */
  readonly inflightLimit: number;
  isOpen(): boolean;
  send(packet: IPublishPacket | { cmd: 'pubrel'; messageId: number }): void;
  /** True while the send buffer is below its limit. */
  canWrite(): boolean;
  /** Resolves when canWrite() or the connection closed. */
  whenWritable(): Promise<void>;
  /** Run `fn`, sending what it sends in one write. */
  batch(fn: () => void): void;
}

export interface Subscription extends SubscriptionRecord {
  readonly parsed: TopicFilter;
}

interface Inflight {
  readonly packetId: number;
  state: 'publish' | 'pubrel';
  readonly packet: IPublishPacket;
  /** The delivery completed (PUBACK, or PUBREC for QoS 2): progress moves on. */
  readonly settle: () => void;
  /** The session gives the delivery up unfinished (shared: back to the group at once). */
  readonly release: (() => void) | undefined;
}

export interface SessionDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: MqttConfig;
}

/** The consumer group holding a persistent session's progress: `MQTT_` + the client id made group-safe. */
export function sessionGroup(clientId: string): string {
  const safe = clientId.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 200);
  if (safe === clientId) return `MQTT_${safe}`;
  let h = 0x811c9dc5;
  for (const b of Buffer.from(clientId, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `MQTT_${safe}_${h.toString(16)}`;
}

/**
 * An MQTT session (MQTT 5 §4.1): subscriptions, QoS 1/2 deliveries in flight, and the feeds that
 * read its CometMQ topics. A persistent session outlives its connections (and, through the state
 * store and its group's offsets, broker restarts); a clean one ends with its connection.
 */
export class Session {
  readonly clientId: string;
  readonly persistent: boolean;
  readonly group: string;
  protocolVersion: 3 | 4 | 5;
  expiryMs: number;
  readonly subscriptions = new Map<string, Subscription>();
  /** QoS 2 packet ids received and not yet released (PUBREL), §4.3.3 method A. */
  readonly inboundQos2 = new Set<number>();
  readonly #inflight = new Map<number, Inflight>();
  readonly #feeds = new Map<string, Feed>();
  /** Set while a subscription reads every topic: the topic-change listener adding feeds. */
  #unwatch: (() => void) | undefined;
  /** Retained messages for new subscriptions waiting for room in the window (cleared on detach). */
  #retainedQueue: Omit<IPublishPacket, 'messageId'>[] = [];
  #nextPacketId = 1;
  #outlet: Outlet | undefined;
  #roomWaiters: (() => void)[] = [];
  #ended = false;

  constructor(
    private readonly deps: SessionDeps,
    init: { clientId: string; persistent: boolean; protocolVersion: 3 | 4 | 5; expiryMs: number },
  ) {
    this.clientId = init.clientId;
    this.persistent = init.persistent;
    this.protocolVersion = init.protocolVersion;
    this.expiryMs = init.expiryMs;
    this.group = sessionGroup(init.clientId);
  }

  get attached(): boolean {
    return this.#outlet !== undefined;
  }

  get inflightCount(): number {
    return this.#inflight.size;
  }

  record(now: number): SessionRecord {
    return {
      clientId: this.clientId,
      protocolVersion: this.protocolVersion,
      expiryMs: this.expiryMs,
      savedAt: now,
      subscriptions: [...this.subscriptions.values()].map(({ parsed: _parsed, ...r }) => r),
    };
  }

  /** Attach a connection: resend what is in flight (§4.4), then start the feeds. */
  attach(outlet: Outlet): void {
    this.#outlet = outlet;
    for (const f of this.#inflight.values()) {
      if (f.state === 'publish') outlet.send({ ...f.packet, dup: true });
      else outlet.send({ cmd: 'pubrel', messageId: f.packetId });
    }
    for (const feed of this.#feeds.values()) {
      feed.skipOverflow();
      feed.start();
    }
  }

  /** The connection is gone: stop reading; shared deliveries go back to their group at once. */
  detach(): void {
    this.#outlet = undefined;
    this.#retainedQueue = [];
    for (const feed of this.#feeds.values()) feed.stop();
    for (const [id, f] of this.#inflight) {
      if (f.release === undefined) continue;
      f.release();
      this.#inflight.delete(id);
    }
    this.#wakeRoom();
  }

  /** The session ends (clean start, expiry): release everything. */
  end(): void {
    this.#ended = true;
    this.#stopWatching();
    this.detach();
    this.#inflight.clear();
    this.#feeds.clear();
  }

  /** Add or replace subscriptions; returns the ones that are new (for retain handling 1). */
  subscribe(subs: readonly Subscription[], restored = false): Set<string> {
    const fresh = new Set<string>();
    for (const s of subs) {
      if (!this.subscriptions.has(s.filter)) fresh.add(s.filter);
      this.subscriptions.set(s.filter, s);
      const f = s.parsed;
      if (f.share !== undefined) this.#ensureFeed(f.feed, () => new SharedFeed(this, this.deps, f.share!, f.storeTopic!));
      else if (f.storeTopic !== undefined) this.#ensureTopicFeed(f.storeTopic, restored ? 'restored' : 'latest');
      else this.#watchAllTopics(restored ? 'restored' : 'latest');
    }
    return fresh;
  }

  /** Remove subscriptions; returns, per filter, whether it existed. */
  unsubscribe(filters: readonly string[]): boolean[] {
    const existed = filters.map((f) => this.subscriptions.delete(f));
    const subs = [...this.subscriptions.values()];
    const everyTopic = subs.some((s) => s.parsed.share === undefined && s.parsed.storeTopic === undefined);
    if (!everyTopic) this.#stopWatching();
    const wanted = new Set(subs.map((s) => s.parsed.feed));
    for (const [key, feed] of this.#feeds) {
      if (wanted.has(key) || (everyTopic && !key.startsWith('$share/'))) continue;
      feed.stop();
      this.#feeds.delete(key);
    }
    return existed;
  }

  #ensureFeed(key: string, make: () => Feed): void {
    if (this.#feeds.has(key) || this.#ended) return;
    const feed = make();
    this.#feeds.set(key, feed);
    if (this.attached) feed.start();
  }

  #ensureTopicFeed(topic: string, start: 'latest' | 'earliest' | 'restored'): void {
    this.#ensureFeed(topic, () => new TopicFeed(this, this.deps, topic, start));
  }

  /**
   * A filter starting with a wildcard reads every user topic (not retry, DLQ or schedule topics):
   * the ones there now, and each one created later from its beginning.
   */
  #watchAllTopics(start: 'latest' | 'restored'): void {
    for (const t of this.deps.messaging.topics.list()) if (isUserTopic(t.topicName)) this.#ensureTopicFeed(t.topicName, start);
    this.#unwatch ??= this.deps.messaging.topics.onChange((name, config) => {
      if (config !== undefined && isUserTopic(name)) this.#ensureTopicFeed(name, 'earliest');
    });
  }

  #stopWatching(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  /** PUBACK (QoS 1) or PUBREC (QoS 2): false when no such delivery is in flight. */
  acknowledged(packetId: number, kind: 'puback' | 'pubrec'): boolean {
    const f = this.#inflight.get(packetId);
    if (f === undefined || f.state !== 'publish' || (kind === 'puback') !== (f.packet.qos === 1)) return false;
    f.settle();
    if (kind === 'puback') this.#free(packetId);
    else f.state = 'pubrel';
    return true;
  }

  /** PUBCOMP: the QoS 2 delivery is complete. */
  completed(packetId: number): boolean {
    const f = this.#inflight.get(packetId);
    if (f === undefined || f.state !== 'pubrel') return false;
    this.#free(packetId);
    return true;
  }

  /** A retained message for a new subscription (§3.3.1.3): retain flag set, no progress to track. */
  deliverRetained(packet: Omit<IPublishPacket, 'messageId'>): void {
    this.#retainedQueue.push(packet);
    this.#pumpRetained();
  }

  /** Retained messages go out within the in-flight window too (an MQTT 5 client's Receive Maximum). */
  #pumpRetained(): void {
    const o = this.#outlet;
    if (o === undefined) return;
    while (this.#retainedQueue.length > 0) {
      const next = this.#retainedQueue[0]!;
      if (next.qos > 0 && this.#inflight.size >= o.inflightLimit) return;
      this.#retainedQueue.shift();
      this.#deliver(next, () => undefined, undefined);
    }
  }

  /**
   * Resolves when another QoS 1/2 delivery fits and the connection can take it (or detached). A full
   * window waits until half of it is acknowledged, so reads come in batches, not one per PUBACK.
   */
  async room(): Promise<void> {
    for (;;) {
      const o = this.#outlet;
      if (o === undefined || this.#ended || !o.isOpen()) return;
      if (!o.canWrite()) {
        await o.whenWritable();
        continue;
      }
      if (this.#inflight.size < o.inflightLimit) return;
      await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
      if (this.#inflight.size >= o.inflightLimit) continue;
      return;
    }
  }

  /** Offer a batch of reads in one write to the connection (when attached). */
  batch(fn: () => void): void {
    if (this.#outlet === undefined) fn();
    else this.#outlet.batch(fn);
  }

  roomLeft(): number {
    const o = this.#outlet;
    return o === undefined ? 0 : Math.max(0, o.inflightLimit - this.#inflight.size);
  }

  /**
   * Offer one stored message read for a feed: match the session's subscriptions of that feed
   * (§4.7), deliver once with the highest granted QoS (§3.3.4), or settle it at once when nothing
   * matches, it expired (MQTT 5 §3.3.2.3.3) or it goes out at QoS 0.
   */
  offer(key: string, m: StoredMessage, settle: () => void, release: (() => void) | undefined): void {
    const o = this.#outlet;
    if (o === undefined) {
      release?.();
      return;
    }
    const now = this.deps.clock.now();
    const exp = expiresAt(m);
    if (exp !== undefined && exp <= now) return settle();
    const topic = mqttTopicOf(m);
    let qos = -1;
    let retain = false;
    const ids: number[] = [];
    const publisher = m.properties[MQTT_PROPERTY.PUBLISHER];
    for (const s of this.subscriptions.values()) {
      if (!feedMatches(s.parsed, key) || !matches(s.parsed.levels, topic)) continue;
      // MQTT 5 §3.8.3.1 No Local: not to the connection's own publications.
      if (s.noLocal && publisher === this.clientId) continue;
      qos = Math.max(qos, s.qos);
      if (s.retainAsPublished && m.properties[MQTT_PROPERTY.RETAIN] === '1') retain = true;
      if (s.subscriptionId !== undefined) ids.push(s.subscriptionId);
    }
    if (qos < 0) return settle();
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      // The body is a view of the record (no copy); `.buffer` of a view is costly, so only for non-Buffers.
      payload: Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength),
      qos: Math.min(qos, publishedQos(m)) as QoS,
      retain,
      dup: false,
      messageId: 0,
    };
    if (o.protocolVersion === 5) {
      const properties = outboundProperties(m, now);
      if (ids.length > 0) properties.subscriptionIdentifier = ids.length === 1 ? ids[0]! : ids;
      packet.properties = properties;
    }
    this.#send(o, packet, settle, release);
  }

  #deliver(packet: Omit<IPublishPacket, 'messageId'>, settle: () => void, release: (() => void) | undefined): void {
    const o = this.#outlet;
    if (o === undefined) {
      release?.();
      return;
    }
    this.#send(o, { ...packet, messageId: 0 }, settle, release);
  }

  /** Send a packet this session owns (its packet id is set here for QoS 1/2). */
  #send(o: Outlet, packet: IPublishPacket, settle: () => void, release: (() => void) | undefined): void {
    if (packet.qos === 0) {
      // mqtt-packet writes no packet identifier at QoS 0.
      o.send(packet);
      settle();
      return;
    }
    const packetId = this.#allocatePacketId();
    packet.messageId = packetId;
    this.#inflight.set(packetId, { packetId, state: 'publish', packet, settle, release });
    o.send(packet);
  }

  #allocatePacketId(): number {
    for (let i = 0; i < 65_535; i++) {
      const id = this.#nextPacketId;
      this.#nextPacketId = id === 65_535 ? 1 : id + 1;
      if (!this.#inflight.has(id)) return id;
    }
    throw new Error('no free packet identifier (65535 in flight)');
  }

  #free(packetId: number): void {
    this.#inflight.delete(packetId);
    if (this.#retainedQueue.length > 0) this.#pumpRetained();
    const limit = this.#outlet?.inflightLimit ?? 0;
    if (this.#roomWaiters.length > 0 && this.#inflight.size <= Math.floor(limit / 2)) this.#wakeRoom();
  }

  #wakeRoom(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiters) w();
  }
}

/** Does a subscription take the messages of the feed `key` (a topic, or `$share/{name}/{topic}`)? */
function feedMatches(f: TopicFilter, key: string): boolean {
  return f.feed === '' ? !key.startsWith('$share/') : f.feed === key;
}

function isUserTopic(name: string): boolean {
  return !name.startsWith(RETRY_PREFIX) && !name.startsWith(DLQ_PREFIX) && name !== SCHEDULE_TOPIC && !name.startsWith('RMQ_SYS_');
}
