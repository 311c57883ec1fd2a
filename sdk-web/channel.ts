import { backoffDelay, type BackoffOptions } from './backoff.js';
import { CometError } from './errors.js';
import type { ClientFrame, ServerFrame } from './types.js';
import { parseServerFrame } from './wire.js';

/** A handler type compared bivariantly, so both the DOM WebSocket and the `ws` package fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the SDK needs of a WebSocket: the browser's, or `ws` in Node (`import WebSocket from 'ws'`). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Close codes after which reconnecting cannot help (docs/websocket.md): policy/auth, protocol error. */
export const NO_RECONNECT_CLOSE_CODES: ReadonlySet<number> = new Set([1008, 4000]);

export interface ChannelEvents {
  /** A (re)connection opened: (re)send subscriptions and queued requests. */
  open(): void;
  frame(frame: ServerFrame): void;
  /** A frame that does not follow the protocol (reported, then ignored). */
  protocolError(description: string): void;
  /** The connection dropped; the channel reconnects after a backoff if `wanted()` still holds. */
  dropped(code: number, reason: string): void;
  /** Closed with a code that forbids reconnecting; the channel went idle. */
  fatal(error: CometError): void;
}

export interface ChannelOptions {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly backoff: BackoffOptions;
  /** A connection attempt that has not opened by then is abandoned (and retried). */
  readonly connectTimeoutMs: number;
  readonly events: ChannelEvents;
  /** Whether a connection is needed (live subscriptions or queued requests). */
  readonly wanted: () => boolean;
  readonly random?: () => number;
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

/**
 * One WebSocket with automatic reconnect: on an abnormal close it waits backoffDelay(attempt) and
 * connects again while `wanted()`; the attempt counter resets once the broker sends a valid frame.
 * No reconnect after close codes 1008/4000 or after close().
 */
export class Channel {
  #state: State = 'idle';
  #socket: WebSocketLike | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  readonly #options: ChannelOptions;

  constructor(options: ChannelOptions) {
    this.#options = options;
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Connect now if idle (a pending reconnect keeps its backoff). */
  ensure(): void {
    if (this.#state === 'idle') this.#connect();
  }

  /** False when not open (the caller queues and sends on `open`). */
  send(frame: ClientFrame): boolean {
    if (this.#state !== 'open' || this.#socket === undefined) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Permanent: close with 1000 and never reconnect. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#clearTimer();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) this.#detach(socket, 1000, 'client closed');
  }

  #connect(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#options.WebSocket(this.#options.url);
    } catch (e) {
      // A bad URL throws synchronously (SyntaxError): no retry can fix that.
      this.#state = 'idle';
      this.#options.events.fatal(new CometError('SDK_OPTION_INVALID', `cannot open ${this.#options.url}: ${e instanceof Error ? e.message : String(e)}`, 400, { cause: e }));
      return;
    }
    this.#state = 'connecting';
    this.#socket = socket;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#socket === socket && this.#state === 'connecting') this.#lost(socket, 1006, 'connect timeout');
    }, this.#options.connectTimeoutMs);
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#clearTimer();
      this.#state = 'open';
      this.#options.events.open();
    };
    socket.onmessage = (event) => this.#onMessage(socket, event.data);
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#lost(socket, event.code, event.reason);
    };
    socket.onerror = () => undefined; // a close event follows; it decides
  }

  #onMessage(socket: WebSocketLike, data: unknown): void {
    if (this.#socket !== socket) return;
    if (typeof data !== 'string') {
      this.#options.events.protocolError('binary frame (this SDK speaks JSON text frames)');
      return;
    }
    const frame = parseServerFrame(data);
    if (typeof frame === 'string') {
      this.#options.events.protocolError(frame);
      return;
    }
    this.#attempt = 0;
    this.#options.events.frame(frame);
  }

  #lost(socket: WebSocketLike, code: number, reason: string): void {
    this.#clearTimer();
    this.#socket = undefined;
    this.#detach(socket, 1000, 'abandoned');
    if (NO_RECONNECT_CLOSE_CODES.has(code)) {
      this.#state = 'idle';
      this.#attempt = 0;
      const why = code === 1008 ? 'policy or authentication' : 'protocol error';
      this.#options.events.fatal(new CometError('SDK_CONNECTION_CLOSED', `the broker closed the WebSocket (${code} ${why}): ${reason}`, 503, { closeCode: code }));
      return;
    }
    this.#state = 'idle';
    this.#options.events.dropped(code, reason);
    if (this.#state === 'idle' && this.#options.wanted()) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const delay = backoffDelay(this.#attempt, this.#options.backoff, this.#options.random);
    this.#attempt++;
    this.#state = 'waiting';
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#state !== 'waiting') return;
      this.#state = 'idle';
      if (this.#options.wanted()) this.#connect();
    }, delay);
  }

  #detach(socket: WebSocketLike, code: number, reason: string): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = () => undefined;
    try {
      socket.close(code, reason);
    } catch {
      // already closing or closed
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
