import type { IPublishPacket } from 'mqtt-packet';
import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import type { AppendResult } from '../../kernel/messaging/store.js';
import type { Clock, TimerHandle } from '../../kernel/services.js';
import type { MqttConfig } from './config.js';
import { isCometError } from '../../kernel/errors.js';
import { type PublishTemplates, toProduce } from './mapping.js';
import { RetainedMessages, type RetainOutcome } from './retained.js';
import { Session, type Subscription } from './session.js';
import type { MqttStateStore } from './state.js';
import { parseFilter } from './topics.js';

export interface BrokerDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: MqttConfig;
  readonly state: MqttStateStore;
}

/** What a connection holds that the broker must reach: closing it when its session is taken over. */
export interface SessionOwner {
  takeOver(): void;
}

export type PublishOutcome =
  | { readonly status: 'stored'; readonly result: AppendResult; readonly retained: RetainOutcome | undefined }
  | { readonly status: 'rejected'; readonly code: string; readonly message: string; readonly reason: 'topic' | 'property' | 'quota' | 'store' };

/** A will waiting for its delay (MQTT 5 §3.1.3.2.2), cancelled when the session reconnects. */
interface PendingWill {
  readonly timer: TimerHandle;
  readonly fire: () => void;
}

/**
 * The MQTT door's shared state: sessions by client id, retained messages, pending wills, and the
 * publish path onto the kernel's Messaging API. Connections (connection.ts) and their packet
 * handlers call into it; it never touches sockets.
 */
export class MqttBroker {
  readonly sessions = new Map<string, Session>();
  readonly owners = new Map<string, SessionOwner>();
  readonly retained: RetainedMessages;
  readonly #wills = new Map<string, PendingWill>();
  readonly #expiries = new Map<string, TimerHandle>();
  /** Background work (session saves, will publishes) that shutdown waits for. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(readonly deps: BrokerDeps) {
    this.retained = new RetainedMessages(deps.state, deps.config.maxRetained);
  }

  /** Load retained messages and persistent sessions (their subscriptions resume from the group offsets). */
  async load(): Promise<void> {
    await this.retained.load();
    const now = this.deps.clock.now();
    for (const r of await this.deps.state.loadSessions()) {
      const left = r.savedAt + r.expiryMs - now;
      if (left <= 0) {
        await this.deps.state.deleteSession(r.clientId);
        continue;
      }
      const s = new Session(this.deps, { clientId: r.clientId, persistent: true, protocolVersion: r.protocolVersion, expiryMs: r.expiryMs });
      const subs: Subscription[] = [];
      for (const rec of r.subscriptions) {
        const parsed = parseFilter(rec.filter);
        if (parsed.ok) subs.push({ ...rec, parsed: parsed.filter });
      }
      s.subscribe(subs, true);
      this.sessions.set(r.clientId, s);
      this.#scheduleExpiry(s, left);
    }
    // QoS 2 PUBLISHes stored before the restart and not yet released: a resend is not stored again.
    for (const [clientId, ids] of await this.deps.state.loadInboundQos2()) {
      const s = this.sessions.get(clientId);
      if (s === undefined) for (const id of ids) await this.deps.state.deleteInboundQos2(clientId, id);
      else for (const id of ids) s.inboundQos2.add(id);
    }
  }

  /**
   * Start a connection's session (MQTT 5 §3.1.2.4 Clean Start): a clean start ends any existing
   * session; otherwise an existing one is resumed. Returns the session and whether it was present.
   */
  async openSession(clientId: string, opts: { clean: boolean; expiryMs: number; protocolVersion: 3 | 4 | 5 }): Promise<{ session: Session; present: boolean }> {
    this.cancelWill(clientId);
    this.#cancelExpiry(clientId);
    const existing = this.sessions.get(clientId);
    const persistent = opts.expiryMs > 0;
    if (existing !== undefined && !opts.clean) {
      existing.protocolVersion = opts.protocolVersion;
      existing.expiryMs = opts.expiryMs;
      if (existing.persistent === persistent) return { session: existing, present: true };
    }
    if (existing !== undefined) await this.endSession(existing);
    const session = new Session(this.deps, { clientId, persistent, protocolVersion: opts.protocolVersion, expiryMs: opts.expiryMs });
    this.sessions.set(clientId, session);
    if (persistent) await this.saveSession(session);
    return { session, present: false };
  }

  async saveSession(session: Session): Promise<void> {
    if (!session.persistent || this.sessions.get(session.clientId) !== session) return;
    await this.deps.state.putSession(session.record(this.deps.clock.now()));
  }

  async endSession(session: Session): Promise<void> {
    session.end();
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
    if (session.persistent) await this.deps.state.deleteSession(session.clientId);
  }

  /** The connection of a session closed: a clean session ends, a persistent one waits for its expiry. */
  async sessionDetached(session: Session): Promise<void> {
    session.detach();
    if (this.sessions.get(session.clientId) !== session) return;
    if (!session.persistent || session.expiryMs <= 0) {
      await this.endSession(session);
      return;
    }
    await this.saveSession(session);
    this.#scheduleExpiry(session, session.expiryMs);
  }

  #scheduleExpiry(session: Session, ms: number): void {
    this.#cancelExpiry(session.clientId);
    if (session.attached) return;
    const timer = this.deps.clock.setTimeout(() => {
      this.#expiries.delete(session.clientId);
      if (session.attached || this.sessions.get(session.clientId) !== session) return;
      this.deps.logger.info({ clientId: session.clientId }, 'MQTT session expired');
      this.track(this.endSession(session), 'ending an expired MQTT session');
    }, Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    this.#expiries.set(session.clientId, timer);
  }

  #cancelExpiry(clientId: string): void {
    this.#expiries.get(clientId)?.cancel();
    this.#expiries.delete(clientId);
  }

  /**
   * Store a PUBLISH (already checked: topic name, alias resolved) through Messaging, then apply the
   * retain flag (§3.3.1.3). The retained copy is written only once the message is stored.
   */
  async publish(topic: string, packet: IPublishPacket, publisher: string, templates?: PublishTemplates): Promise<PublishOutcome> {
    const now = this.deps.clock.now();
    const mapped = toProduce(topic, packet, publisher, now, templates);
    if (!mapped.ok) return { status: 'rejected', code: 'MQTT_PROPERTY_INVALID', message: mapped.reason, reason: 'property' };
    let result: AppendResult;
    try {
      result = await this.deps.messaging.produce(mapped.request);
    } catch (e) {
      if (!isCometError(e)) throw e;
      result = { status: 'rejected', error: e };
    }
    if (result.status !== 'ok') return { status: 'rejected', code: result.error.code, message: result.error.message, reason: result.error.code.startsWith('TOPIC_') ? 'topic' : 'store' };
    let retained: RetainOutcome | undefined;
    if (packet.retain) {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      retained = await this.retained.set({ topic, payload, qos: packet.qos, properties: mapped.request.properties ?? {}, storedAt: now });
      if (retained === 'quotaExceeded') {
        this.deps.logger.warn({ topic, max: this.deps.config.maxRetained }, 'retained message refused: maxRetained reached');
      }
    }
    return { status: 'stored', result, retained };
  }

  /** Publish a will now (the connection closed without DISCONNECT 0x00) or after its delay. */
  scheduleWill(clientId: string, will: { topic: string; packet: IPublishPacket; delayMs: number }): void {
    const fire = (): void => {
      this.#wills.delete(clientId);
      this.track(
        this.publish(will.topic, will.packet, clientId).then((o) => {
          if (o.status === 'rejected') this.deps.logger.warn({ clientId, topic: will.topic, code: o.code }, `will not published: ${o.message}`);
        }),
        'publishing a will',
      );
    };
    if (will.delayMs <= 0) return fire();
    const timer = this.deps.clock.setTimeout(fire, will.delayMs);
    timer.unref();
    this.#wills.set(clientId, { timer, fire });
  }

  cancelWill(clientId: string): void {
    this.#wills.get(clientId)?.timer.cancel();
    this.#wills.delete(clientId);
  }

  /** Shutdown: wills still waiting are published now (the server is going away, §3.1.3.2.2). */
  flushWills(): void {
    for (const w of [...this.#wills.values()]) {
      w.timer.cancel();
      w.fire();
    }
  }

  /** Run `p` in the background, logging a failure; settled() waits for it. */
  track(p: Promise<unknown>, what: string): void {
    const q = p.catch((e: unknown) => this.deps.logger.warn({ err: e }, `${what} failed`)).finally(() => this.#background.delete(q));
    this.#background.add(q);
  }

  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  /** Stop timers; sessions stay as saved. */
  close(): void {
    for (const t of this.#expiries.values()) t.cancel();
    this.#expiries.clear();
    for (const s of this.sessions.values()) s.detach();
  }
}
