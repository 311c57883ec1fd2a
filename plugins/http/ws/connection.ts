import type { GroupMember } from '../../../kernel/messaging/door.js';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { isCometError } from '../../../kernel/errors.js';
import type { TimerHandle } from '../../../kernel/services.js';
import type { HttpExtensionDeps } from '../extension.js';
import { errorBody, messageFrameBytes } from './frames.js';
import type { OpContext } from './ops/context.js';
import { handleProduce } from './ops/produce.js';
import { handleAck, handleCredit, handleNack, handleUnsubscribe } from './ops/settle.js';
import { handleSubscribe } from './ops/subscribe.js';
import { CLOSE, parseClientFrame, type ClientFrame, type ServerFrame } from './protocol.js';
import type { Delivery, Subscription, SubscriptionHost } from './subscription.js';

/** Frames are text (JSON) even when handed over as bytes. */
const TEXT_FRAME = { binary: false } as const;

/** Requests of one connection processed at once; beyond it the socket is paused (docs §2). */
export const MAX_PENDING_REQUESTS = 64;

/**
 * One WebSocket client (docs/websocket.md): parses frames, dispatches them by `op`, owns the
 * connection's subscriptions, pings, and closes slow clients (4008) and protocol violators (4000).
 */
export class WsConnection implements SubscriptionHost {
  readonly #ws: WebSocket;
  readonly #deps: HttpExtensionDeps;
  readonly #logger: Logger;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #ctx: OpContext;
  readonly #closedPromise: Promise<void>;
  #nextSubscription = 1;
  #pending = 0;
  #alive = true;
  #closing = false;
  #pingTimer: TimerHandle;

  /** The upgraded socket: corked while one turn's frames are written, so they leave in one writev. */
  readonly #socket: Duplex | undefined;
  #corked = false;
  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket?.uncork();
  };

  constructor(ws: WebSocket, deps: HttpExtensionDeps, logger: Logger, socket?: Duplex) {
    this.#ws = ws;
    this.#socket = socket;
    this.#deps = deps;
    this.#logger = logger;
    this.#ctx = this.#context();
    this.#closedPromise = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.#guard(() => this.#onMessage(data, isBinary)));
    ws.on('pong', () => (this.#alive = true));
    ws.on('error', (e) => this.#logger.debug({ err: e }, 'websocket error'));
    ws.once('close', (code) => this.#onClose(code));
    this.#pingTimer = deps.clock.setInterval(() => this.#ping(), deps.config.ws.pingIntervalMs);
    this.#pingTimer.unref();
  }

  /** This connection's subscriptions in `group`, as admin members (`peer` = host:port, `id` = connection number). */
  members(group: string, id: number, peer: string): GroupMember[] {
    const out: GroupMember[] = [];
    for (const s of this.#subscriptions.values()) {
      if (s.info === undefined || s.info.group !== group) continue;
      out.push({ clientId: `ws-${id}/${s.id}`, door: 'websocket', address: peer, lastSeenAt: s.info.since, mode: s.info.mode, topics: [s.info.topic] });
    }
    return out;
  }

  /** Resolves when the socket has closed. */
  get closed(): Promise<void> {
    return this.#closedPromise;
  }

  send(frame: ServerFrame): boolean {
    return this.#sendText(JSON.stringify(frame));
  }

  sendMessage(subscription: string, d: Delivery): boolean {
    return this.#sendText(messageFrameBytes(subscription, d.handle, d.message, d.topic, d.deliveryAttempt));
  }

  /** One text frame (a string, or its UTF-8 bytes); false when the connection is going or was just closed as slow. */
  #sendText(text: string | Buffer): boolean {
    if (this.#closing || this.#ws.readyState !== this.#ws.OPEN) return false;
    if (!this.#corked && this.#socket !== undefined) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    this.#ws.send(text, TEXT_FRAME);
    if (this.#ws.bufferedAmount > this.#deps.config.ws.maxBufferedBytes) {
      this.#logger.warn({ code: 'WS_SLOW_CLIENT', bufferedBytes: this.#ws.bufferedAmount }, 'closing a slow websocket client');
      this.close(CLOSE.SLOW_CLIENT, 'slow client');
      return false;
    }
    return true;
  }

  ended(subscription: Subscription, error: unknown): void {
    if (this.#subscriptions.get(subscription.id) !== subscription) return;
    this.#subscriptions.delete(subscription.id);
    void subscription.close();
    this.send({ op: 'unsubscribed', subscription: subscription.id, error: errorBody(error) });
  }

  /** Release every subscription's handles, then start the closing handshake. */
  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    void this.#closeSubscriptions();
    this.#ws.close(code, reason);
  }

  /** Drain: close with 1001; terminate what has not closed by `deadline` (Clock.monotonic). */
  async shutdown(deadline: number): Promise<void> {
    const released = this.#closeSubscriptions();
    this.close(CLOSE.GOING_AWAY, 'server shutting down');
    const { clock } = this.#deps;
    let timer: TimerHandle | undefined;
    const late = new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, Math.max(0, deadline - clock.monotonic()));
    });
    await Promise.race([Promise.all([this.#closedPromise, released]), late]);
    timer?.cancel();
    this.#ws.terminate();
  }

  #context(): OpContext {
    const conn = this;
    return {
      deps: this.#deps,
      logger: this.#logger,
      get closed() {
        return conn.#closing;
      },
      send: (frame) => this.send(frame),
      host: this,
      nextSubscriptionId: () => `s${this.#nextSubscription++}`,
      subscriptionCount: () => this.#subscriptions.size,
      subscription: (id) => this.#subscriptions.get(id),
      addSubscription: (s) => void this.#subscriptions.set(s.id, s),
      removeSubscription: (id) => {
        const s = this.#subscriptions.get(id);
        this.#subscriptions.delete(id);
        return s;
      },
    };
  }

  /** A failure outside one request's own error handling is a server bug: close 1011 (docs §5). */
  #guard(work: () => void): void {
    try {
      work();
    } catch (e) {
      this.#logger.error({ err: e, code: 'INTERNAL' }, 'websocket frame handling failed');
      this.close(CLOSE.INTERNAL, 'internal error');
    }
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    this.#alive = true;
    if (this.#closing) return;
    if (isBinary) return this.close(CLOSE.PROTOCOL, 'protocol error: binary frames are not supported');
    const parsed = parseClientFrame(rawText(data));
    switch (parsed.kind) {
      case 'fatal':
        return this.close(CLOSE.PROTOCOL, `protocol error: ${parsed.reason}`.slice(0, 120));
      case 'invalid':
        this.send({
          op: 'error',
          id: parsed.id,
          ...(parsed.subscription === undefined ? {} : { subscription: parsed.subscription }),
          error: { code: 'WS_PROTOCOL_ERROR', message: parsed.reason },
        });
        return;
      case 'ok':
        this.#run(parsed.frame);
    }
  }

  /** Run one request; its failure becomes an `error` frame naming the request's id/subscription. */
  #run(frame: ClientFrame): void {
    this.#pending += 1;
    if (this.#pending === MAX_PENDING_REQUESTS) this.#ws.pause();
    dispatch(this.#ctx, frame)
      .catch((e: unknown) => {
        if (!isCometError(e)) this.#logger.error({ err: e, op: frame.op }, 'websocket request failed');
        this.send({
          op: 'error',
          ...(frame.id === undefined ? {} : { id: frame.id }),
          ...('subscription' in frame ? { subscription: frame.subscription } : {}),
          error: errorBody(e),
        });
      })
      .finally(() => {
        this.#pending -= 1;
        if (this.#pending === MAX_PENDING_REQUESTS - 1 && !this.#closing) this.#ws.resume();
      });
  }

  #ping(): void {
    if (!this.#alive) {
      this.#logger.debug('websocket missed a pong: terminating');
      this.#ws.terminate();
      return;
    }
    this.#alive = false;
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.ping();
  }

  #closeSubscriptions(): Promise<void> {
    const subscriptions = [...this.#subscriptions.values()];
    this.#subscriptions.clear();
    return Promise.all(subscriptions.map((s) => s.close())).then(() => undefined);
  }

  #onClose(code: number): void {
    this.#closing = true;
    this.#pingTimer.cancel();
    this.#logger.debug({ code }, 'websocket closed');
    void this.#closeSubscriptions();
  }
}

/** The operation table (docs/websocket.md §2): one handler per `op`, exhaustive. */
async function dispatch(ctx: OpContext, frame: ClientFrame): Promise<void> {
  switch (frame.op) {
    case 'produce':
      return handleProduce(ctx, frame);
    case 'subscribe':
      return handleSubscribe(ctx, frame);
    case 'ack':
      return handleAck(ctx, frame);
    case 'nack':
      return handleNack(ctx, frame);
    case 'credit':
      return handleCredit(ctx, frame);
    case 'unsubscribe':
      return handleUnsubscribe(ctx, frame);
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
