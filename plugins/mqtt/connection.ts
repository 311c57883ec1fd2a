import type { Duplex } from 'node:stream';
import { generate, type IPublishPacket, type Packet, parser as createParser, type Parser } from 'mqtt-packet';
import type { Logger } from 'pino';
import { ProduceGate } from '../../kernel/messaging/produce-gate.js';
import { WriteGate } from '../../kernel/protocol/streams/stream-door.js';
import type { TimerHandle } from '../../kernel/services.js';
import type { MqttBroker, SessionOwner } from './broker.js';
import { RC } from './codes.js';
import { PacketSplitter } from './framing.js';
import { HANDLERS } from './handlers/index.js';
import { PublishTemplates } from './mapping.js';
import type { Outlet, Session } from './session.js';

/** A will as CONNECT gave it (§3.1.2.5), checked. */
export interface Will {
  readonly topic: string;
  readonly packet: IPublishPacket;
  readonly delayMs: number;
}

type State = 'awaitingConnect' | 'connecting' | 'connected' | 'closed';

/**
 * One MQTT network connection (TCP, or a WebSocket stream): splits and parses packets, enforces the
 * connection rules (CONNECT first and once, keep-alive, packet size), dispatches each packet to its
 * handler (handlers/, one file per packet type) and writes responses in order. Its session outlives
 * it when persistent.
 */
export class Connection implements Outlet, SessionOwner {
  protocolVersion: 3 | 4 | 5 = 4;
  clientId = '';
  session: Session | undefined;
  will: Will | undefined;
  /** QoS 1/2 deliveries the client accepts unacknowledged (its Receive Maximum, or config for 3.1.1). */
  inflightLimit: number;
  /** Inbound topic aliases (MQTT 5 §3.3.2.3.4), this connection only. */
  readonly aliases = new Map<number, string>();
  /** Inbound QoS 1/2 PUBLISHes not yet acknowledged (checked against our Receive Maximum). */
  inboundPending = 0;
  #templates: PublishTemplates | undefined;
  /** Keeps this connection's publishes in arrival order while topics are auto-created. */
  readonly produceGate = new ProduceGate();
  readonly logger: Logger;
  #state: State = 'awaitingConnect';
  readonly #parser: Parser & { settings: { protocolVersion?: number } };
  readonly #splitter: PacketSplitter;
  /** Responses leave in the order their packets arrived (§4.6). */
  #tail: Promise<void> = Promise.resolve();
  /** Packets that arrived after CONNECT, before its CONNACK went out. */
  #early: Packet[] = [];
  #lastPacketAt: number;
  #keepAliveTimer: TimerHandle | undefined;
  #connectTimer: TimerHandle | undefined;
  #normalDisconnect = false;
  readonly #writes: WriteGate;
  #corked = false;

  constructor(
    readonly broker: MqttBroker,
    private readonly socket: Duplex,
    readonly remote: string,
  ) {
    const { config, clock, logger } = broker.deps;
    this.logger = logger.child({ remote });
    this.#writes = new WriteGate(socket, broker.deps.config.maxPendingWriteBytes, () => this.isOpen());
    this.inflightLimit = config.maxInflight;
    this.#splitter = new PacketSplitter(config.maxPacketBytes);
    this.#parser = createParser() as Parser & { settings: { protocolVersion?: number } };
    this.#parser.on('packet', (p: Packet) => this.#dispatch(p));
    this.#parser.on('error', (e: Error) => this.protocolError(RC.MALFORMED_PACKET, `malformed packet: ${e.message}`));
    this.#lastPacketAt = clock.monotonic();
    this.#connectTimer = clock.setTimeout(() => this.close('no CONNECT in time'), config.connectTimeoutMs).unref();
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e: Error) => this.logger.debug({ err: e }, 'MQTT connection error'));
    socket.on('close', () => this.#onClose());
  }

  /** Shared message properties of this client's PUBLISHes (mapping.ts); the client id is fixed once connected. */
  get publishTemplates(): PublishTemplates {
    return (this.#templates ??= new PublishTemplates(this.clientId));
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  isOpen(): boolean {
    return this.#state !== 'closed';
  }

  /** The parser must know the protocol level before it reads the next packet (v5 properties). */
  setProtocolVersion(v: 3 | 4 | 5): void {
    this.protocolVersion = v;
    this.#parser.settings.protocolVersion = v;
  }

  beginConnect(): void {
    this.#state = 'connecting';
    this.#connectTimer?.cancel();
  }

  /** CONNACK is out: start keep-alive, handle what was pipelined behind CONNECT. */
  markConnected(keepAliveSecs: number): void {
    this.#state = 'connected';
    if (keepAliveSecs > 0) {
      // §3.1.2.10: disconnect after one and a half times the keep-alive without a packet.
      const limitMs = keepAliveSecs * 1500;
      const clock = this.broker.deps.clock;
      this.#keepAliveTimer = clock
        .setInterval(() => {
          if (clock.monotonic() - this.#lastPacketAt > limitMs) this.protocolError(RC.KEEP_ALIVE_TIMEOUT, 'keep-alive timeout');
        }, Math.max(250, Math.floor(limitMs / 3)))
        .unref();
    }
    const early = this.#early;
    this.#early = [];
    for (const p of early) this.#dispatch(p);
  }

  /** Run `fn` after every earlier packet's response has been sent. */
  ordered(fn: () => Promise<void> | void): void {
    this.#tail = this.#tail.then(fn).catch((e: unknown) => {
      this.logger.warn({ err: e, clientId: this.clientId }, 'MQTT packet handling failed');
      this.protocolError(RC.UNSPECIFIED_ERROR, 'internal error');
    });
  }

  send(packet: Packet | IPublishPacket | { cmd: 'pubrel'; messageId: number }): void {
    if (this.#state === 'closed') return;
    // Acknowledgements of one group commit leave in one write (deliveries go out at once: batching
    // them delays the subscriber's acknowledgements and slows the window down).
    if (packet.cmd !== 'publish' && !this.#corked) {
      this.#corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(generate(packet as Packet, { protocolVersion: this.protocolVersion }));
  }

  batch(fn: () => void): void {
    if (this.#corked || this.#state === 'closed') return fn();
    this.socket.cork();
    try {
      fn();
    } finally {
      this.socket.uncork();
    }
  }

  canWrite(): boolean {
    return this.#writes.canWrite();
  }

  whenWritable(): Promise<void> {
    return this.#writes.whenWritable();
  }

  /** DISCONNECT 0x00 (or 0x04 keeping the will) from the client: no will unless asked. */
  normalDisconnect(keepWill: boolean): void {
    this.#normalDisconnect = !keepWill;
    this.close('client disconnected');
  }

  /**
   * A protocol error (§4.13): MQTT 5 tells the client why with a DISCONNECT reason code (only once
   * connected; before CONNACK, CONNACK carries it), MQTT 3.1.1 just closes the connection.
   */
  protocolError(reasonCode: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.logger.info({ clientId: this.clientId, reasonCode, reason }, 'MQTT connection closed for a protocol error');
    if (this.protocolVersion === 5 && this.#state === 'connected') {
      this.send({ cmd: 'disconnect', reasonCode, properties: { reasonString: reason } });
    }
    this.close(reason);
  }

  /** Another connection CONNECTed with this client id (§3.1.4 step 3): close this one first. */
  takeOver(): void {
    if (this.#state === 'closed') return;
    if (this.protocolVersion === 5) this.send({ cmd: 'disconnect', reasonCode: RC.SESSION_TAKEN_OVER });
    this.close('session taken over');
  }

  close(why: string): void {
    if (this.#state === 'closed') return;
    const wasConnected = this.#state === 'connected';
    this.#state = 'closed';
    this.logger.debug({ clientId: this.clientId, why }, 'MQTT connection closing');
    this.#stopTimers();
    this.#writes.wake();
    if (wasConnected) this.#leaveSession();
    this.socket.end();
    // Give the last packet (DISCONNECT) a moment to leave, then make sure the socket is gone.
    this.broker.deps.clock.setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  #leaveSession(): void {
    const session = this.session;
    if (session === undefined) return;
    if (this.broker.owners.get(this.clientId) === this) this.broker.owners.delete(this.clientId);
    if (this.will !== undefined && !this.#normalDisconnect) {
      // §3.1.2.5: published when the connection closes without DISCONNECT 0x00, after its delay
      // (never later than the session's end).
      const delayMs = Math.min(this.will.delayMs, session.persistent ? session.expiryMs : 0);
      this.broker.scheduleWill(this.clientId, { ...this.will, delayMs });
    }
    this.broker.track(this.broker.sessionDetached(session), 'saving the MQTT session');
    this.session = undefined;
  }

  #onClose(): void {
    this.close('socket closed');
  }

  #stopTimers(): void {
    this.#keepAliveTimer?.cancel();
    this.#connectTimer?.cancel();
  }


  #onData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    this.#lastPacketAt = this.broker.deps.clock.monotonic();
    for (const ev of this.#splitter.push(chunk)) {
      if (!this.isOpen()) return;
      if (ev.kind === 'tooLarge') return this.protocolError(RC.PACKET_TOO_LARGE, `packet of ${ev.size} bytes is over the limit of ${this.broker.deps.config.maxPacketBytes}`);
      if (ev.kind === 'malformed') return this.protocolError(RC.MALFORMED_PACKET, ev.reason);
      this.#parser.parse(ev.bytes);
    }
  }

  #dispatch(p: Packet): void {
    if (this.#state === 'closed') return;
    if (p.cmd === 'connect') {
      // §3.1: a second CONNECT is a protocol violation.
      if (this.#state !== 'awaitingConnect') return this.protocolError(RC.PROTOCOL_ERROR, 'second CONNECT on one connection');
      HANDLERS.connect(this, p);
      return;
    }
    // §3.1: the first packet from the client must be CONNECT.
    if (this.#state === 'awaitingConnect') return this.close(`${p.cmd} before CONNECT`);
    if (this.#state === 'connecting') {
      this.#early.push(p);
      return;
    }
    const handler = HANDLERS[p.cmd];
    if (handler === undefined) return this.protocolError(RC.PROTOCOL_ERROR, `${p.cmd} is not a packet a client sends`);
    (handler as (c: Connection, p: Packet) => void)(this, p);
  }
}
