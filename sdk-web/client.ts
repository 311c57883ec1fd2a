import type { BackoffOptions } from './backoff.js';
import { Channel, type WebSocketConstructor } from './channel.js';
import { toWireMessages } from './codec.js';
import { closedError, CometError, fromWireError, networkError, optionError } from './errors.js';
import { httpProduce } from './http.js';
import { WebMessage } from './message.js';
import { Subscription, type ResolvedSubscribeOptions, type SubscriptionHost } from './subscription.js';
import type { ClientFrame, ProduceInput, ProduceOptions, ProduceResult, ServerFrame, SubscribeOptions, WireMessageFrame, WireProduceMessage } from './types.js';
import { parseProduceResults } from './wire.js';

export interface CometClientOptions {
  /** The broker's HTTP origin, e.g. `http://127.0.0.1:8080`. Default: the page's `location.origin`. */
  readonly baseUrl?: string;
  /** The WebSocket constructor. Default: `globalThis.WebSocket`; in Node 20 pass the `ws` package's. */
  readonly WebSocket?: WebSocketConstructor;
  /** Default: baseUrl with ws(s):// and `/v1/ws`. */
  readonly wsUrl?: string;
  /** fetch (default globalThis.fetch). */
  readonly fetch?: typeof fetch;
  /** Timeout of a produce (HTTP or WebSocket) and of a WebSocket connect attempt (default 30 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Reconnect delays: initialMs (100) doubling to maxMs (10 000), with jitter. */
  readonly reconnect?: BackoffOptions;
  /**
   * Errors that belong to no call: a refused ack/nack (e.g. RECEIPT_HANDLE_EXPIRED after a
   * redelivery), a malformed frame. Default: ignored.
   */
  readonly onError?: (error: CometError) => void;
}

/** A subscription's routing on the current connection. */
interface Route {
  readonly sub: Subscription;
  /** Counts confirmed (re)subscriptions: broadcasting acks only return credits on their own connection. */
  epoch: number;
  /** The broker's id for it on the current connection (undefined while (re)subscribing). */
  serverId: string | undefined;
  /** Acks/nacks made while not subscribed on a live connection; sent once it is. */
  readonly queued: ClientFrameWithoutSub[];
}

type ClientFrameWithoutSub = { readonly op: 'ack'; readonly handle: string } | { readonly op: 'nack'; readonly handle: string; readonly delayLevel?: number };

type Pending =
  | { readonly kind: 'subscribe'; readonly route: Route; readonly deferCredits: boolean }
  | {
      readonly kind: 'produce';
      readonly frame: ClientFrame & { readonly op: 'produce' };
      sent: boolean;
      readonly resolve: (results: ProduceResult[]) => void;
      readonly reject: (error: CometError) => void;
    };

/** Acks kept while disconnected, per subscription; older ones are dropped (the broker redelivers). */
const MAX_QUEUED_SETTLES = 10_000;
const DEFAULT_TIMEOUT_MS = 30_000;

function originOfPage(): string | undefined {
  return (globalThis as { location?: { origin?: string } }).location?.origin;
}

function checkBaseUrl(baseUrl: string | undefined): string {
  if (baseUrl === undefined) throw optionError('baseUrl is required outside a browser page (no location.origin)');
  if (!/^https?:\/\//i.test(baseUrl)) throw optionError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  return baseUrl.replace(/\/+$/, '');
}

function checkSubscribe(o: SubscribeOptions): ResolvedSubscribeOptions {
  if (typeof o.topic !== 'string' || o.topic === '') throw optionError('subscribe: topic is required');
  const mode = o.mode ?? 'clustering';
  if (mode !== 'clustering' && mode !== 'broadcasting') throw optionError('subscribe: mode must be clustering or broadcasting');
  if (mode === 'clustering' && (typeof o.group !== 'string' || o.group === '')) throw optionError('subscribe: group is required for clustering');
  const credits = o.credits ?? 32;
  if (!Number.isInteger(credits) || credits < 1) throw optionError('subscribe: credits must be an integer ≥ 1');
  if (o.ackTimeoutMs !== undefined && (!Number.isInteger(o.ackTimeoutMs) || o.ackTimeoutMs < 1)) throw optionError('subscribe: ackTimeoutMs must be a positive integer');
  return { topic: o.topic, group: o.group, tags: o.tags ?? '*', mode, credits, ackTimeoutMs: o.ackTimeoutMs, from: o.from };
}

/**
 * The CometMQ browser client: produce over fetch (or the WebSocket), subscribe over one shared
 * WebSocket that reconnects by itself and subscribes again (see sdk-web/README.md).
 */
export class CometClient implements SubscriptionHost {
  readonly baseUrl: string;
  readonly #options: CometClientOptions;
  readonly #timeoutMs: number;
  readonly #routes = new Map<Subscription, Route>();
  readonly #byServerId = new Map<string, Route>();
  readonly #pending = new Map<string, Pending>();
  #channel: Channel | undefined;
  #nextId = 1;
  #closed = false;

  constructor(options: CometClientOptions = {}) {
    this.baseUrl = checkBaseUrl(options.baseUrl ?? originOfPage());
    this.#options = options;
    this.#timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Produce one or more messages; one result per message, in order. Throws CometError for a refused request. */
  async produce(topic: string, input: ProduceInput | readonly ProduceInput[], options: ProduceOptions = {}): Promise<ProduceResult[]> {
    if (this.#closed) throw closedError('client');
    if (typeof topic !== 'string' || topic === '') throw optionError('produce: topic is required');
    const messages = toWireMessages(input);
    if (options.transport === 'ws') {
      if (messages.some((m) => m.deliverAt !== undefined)) throw optionError('produce: deliverAt is HTTP-only; over the WebSocket use delayLevel');
      return this.#produceWs(topic, messages, options.signal);
    }
    const fetchFn = this.#options.fetch ?? ((url: string | URL | Request, init?: RequestInit) => globalThis.fetch(url, init));
    return httpProduce({ baseUrl: this.baseUrl, topic, messages, timeoutMs: this.#timeoutMs, fetch: fetchFn, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  }

  /** Subscribe over the shared WebSocket; iterate the result with `for await`. */
  subscribe(options: SubscribeOptions): Subscription {
    if (this.#closed) throw closedError('client');
    const resolved = checkSubscribe(options);
    const channel = this.#ensureChannel();
    const sub = new Subscription(resolved, this);
    const route: Route = { sub, epoch: 0, serverId: undefined, queued: [] };
    this.#routes.set(sub, route);
    if (channel.isOpen) this.#sendSubscribe(route);
    else channel.ensure();
    return sub;
  }

  /** Close every subscription and the WebSocket; pending requests fail with SDK_NOT_STARTED. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const route of [...this.#routes.values()]) route.sub.close();
    this.#failPending(() => closedError('client'), true);
    this.#channel?.close();
  }

  /** SubscriptionHost: a subscription ended (closed by the user, or failed). */
  release(sub: Subscription): void {
    const route = this.#routes.get(sub);
    if (route === undefined) return;
    this.#routes.delete(sub);
    if (route.serverId !== undefined) {
      this.#byServerId.delete(route.serverId);
      this.#channel?.send({ op: 'unsubscribe', subscription: route.serverId });
    }
  }

  #ensureChannel(): Channel {
    if (this.#channel !== undefined) return this.#channel;
    const WebSocket = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocket === undefined) throw optionError('no WebSocket in this runtime: pass options.WebSocket (in Node: the ws package)');
    const url = this.#options.wsUrl ?? `${this.baseUrl.replace(/^http/i, 'ws')}/v1/ws`;
    this.#channel = new Channel({
      url,
      WebSocket,
      backoff: this.#options.reconnect ?? {},
      connectTimeoutMs: this.#timeoutMs,
      wanted: () => this.#routes.size > 0 || [...this.#pending.values()].some((p) => p.kind === 'produce'),
      events: {
        open: () => this.#onOpen(),
        frame: (frame) => this.#onFrame(frame),
        protocolError: (description) => this.#report(new CometError('WS_PROTOCOL_ERROR', `from the broker: ${description}`, 0)),
        dropped: () => this.#onDropped(),
        fatal: (error) => this.#onFatal(error),
      },
    });
    return this.#channel;
  }

  #id(): string {
    return `c${this.#nextId++}`;
  }

  #sendSubscribe(route: Route): void {
    const id = this.#id();
    const o = route.sub.options;
    const from = route.sub.resumeFrom();
    // Acks made while disconnected go first: subscribe with 0 credits, ack, then grant the credits,
    // so the broker does not redeliver what the queued acks settle.
    const deferCredits = route.queued.length > 0;
    this.#pending.set(id, { kind: 'subscribe', route, deferCredits });
    this.#channel?.send({
      op: 'subscribe',
      id,
      topic: o.topic,
      tags: o.tags,
      mode: o.mode,
      credits: deferCredits ? 0 : o.credits,
      ...(o.group === undefined ? {} : { group: o.group }),
      ...(o.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: o.ackTimeoutMs }),
      ...(from === undefined ? {} : { from }),
    });
  }

  #produceWs(topic: string, messages: readonly WireProduceMessage[], signal: AbortSignal | undefined): Promise<ProduceResult[]> {
    const channel = this.#ensureChannel();
    const id = this.#id();
    const frame = { op: 'produce', id, topic, messages } as const;
    return new Promise<ProduceResult[]>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      const timer = setTimeout(() => {
        finish();
        reject(networkError(`produce over the WebSocket timed out after ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const onAbort = (): void => {
        finish();
        reject(networkError('produce aborted', signal?.reason));
      };
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const pending: Pending = {
        kind: 'produce',
        frame,
        sent: false,
        resolve: (results) => {
          finish();
          resolve(results);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
      this.#pending.set(id, pending);
      if (channel.send(frame)) pending.sent = true;
      else channel.ensure();
    });
  }

  #settle(route: Route, epoch: number, handle: string, action: { readonly op: 'ack' } | { readonly op: 'nack'; readonly delayLevel?: number }): void {
    if (!this.#routes.has(route.sub)) return; // ended: the broker redelivers what was not acked
    // Broadcasting acks only return credits on the connection that delivered them (docs/websocket.md §4).
    if (route.sub.options.mode === 'broadcasting' && epoch !== route.epoch) return;
    const frame: ClientFrameWithoutSub = { ...action, handle };
    if (route.serverId !== undefined && this.#channel?.send({ ...frame, subscription: route.serverId }) === true) return;
    if (route.sub.options.mode === 'broadcasting') return;
    if (route.queued.length >= MAX_QUEUED_SETTLES) route.queued.shift();
    route.queued.push(frame);
  }

  #onOpen(): void {
    for (const route of this.#routes.values()) this.#sendSubscribe(route);
    for (const pending of this.#pending.values()) {
      if (pending.kind === 'produce' && !pending.sent) pending.sent = this.#channel?.send(pending.frame) === true;
    }
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.op) {
      case 'produced': {
        const pending = this.#pending.get(frame.id);
        if (pending?.kind !== 'produce') return;
        try {
          pending.resolve(parseProduceResults(frame.results, pending.frame.messages.length, 0));
        } catch (e) {
          pending.reject(e instanceof CometError ? e : networkError('bad produced frame', e));
        }
        return;
      }
      case 'subscribed':
        return this.#onSubscribed(frame.id, frame.subscription);
      case 'message':
        return this.#onMessage(frame);
      case 'error':
        return this.#onError(frame);
      case 'unsubscribed': {
        const route = this.#byServerId.get(frame.subscription);
        const error = fromWireError(frame.error, 0) ?? new CometError('WS_PROTOCOL_ERROR', 'unsubscribed without a code', 0);
        if (route === undefined) return this.#report(error);
        this.#byServerId.delete(frame.subscription);
        route.serverId = undefined; // the broker already forgot it: no unsubscribe frame
        return route.sub.fail(error);
      }
    }
  }

  #onSubscribed(id: string, serverId: string): void {
    const pending = this.#pending.get(id);
    if (pending?.kind !== 'subscribe') return;
    this.#pending.delete(id);
    const route = pending.route;
    if (!this.#routes.has(route.sub)) {
      this.#channel?.send({ op: 'unsubscribe', subscription: serverId }); // closed while subscribing
      return;
    }
    route.serverId = serverId;
    route.epoch++;
    this.#byServerId.set(serverId, route);
    for (const frame of route.queued.splice(0)) this.#channel?.send({ ...frame, subscription: serverId });
    if (pending.deferCredits) this.#channel?.send({ op: 'credit', subscription: serverId, credits: route.sub.options.credits });
    route.sub.confirmed();
  }

  #onMessage(frame: WireMessageFrame): void {
    const route = this.#byServerId.get(frame.subscription);
    if (route === undefined) return; // unsubscribed meanwhile: the broker redelivers it elsewhere
    const epoch = route.epoch;
    let message: WebMessage;
    try {
      message = new WebMessage(frame, { settle: (handle, action) => this.#settle(route, epoch, handle, action) });
    } catch (e) {
      this.#report(new CometError('WS_PROTOCOL_ERROR', `from the broker: message ${frame.msgId} has a body that is not base64`, 0, { cause: e }));
      return;
    }
    route.sub.push(message);
  }

  #onError(frame: ServerFrame & { op: 'error' }): void {
    const error = fromWireError(frame.error, 0) ?? new CometError('WS_PROTOCOL_ERROR', 'error frame without a code', 0);
    const pending = frame.id === undefined ? undefined : this.#pending.get(frame.id);
    if (pending?.kind === 'produce') return pending.reject(error);
    if (pending?.kind === 'subscribe') {
      this.#pending.delete(frame.id as string);
      return pending.route.sub.fail(error);
    }
    this.#report(error);
  }

  #onDropped(): void {
    this.#byServerId.clear();
    for (const route of this.#routes.values()) {
      route.serverId = undefined;
      route.sub.disconnected();
    }
    this.#failPending(() => networkError('the WebSocket dropped before the broker answered (the messages may or may not be stored)'), false);
  }

  #onFatal(error: CometError): void {
    this.#byServerId.clear();
    for (const route of [...this.#routes.values()]) route.sub.fail(error);
    this.#failPending(() => error, true);
  }

  /** Reject produces (only those already sent unless `all`); forget subscribe requests. */
  #failPending(error: () => CometError, all: boolean): void {
    for (const [id, pending] of [...this.#pending]) {
      if (pending.kind === 'subscribe') this.#pending.delete(id);
      else if (all || pending.sent) pending.reject(error());
    }
  }

  #report(error: CometError): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // a throwing handler must not break frame handling
    }
  }
}
