import net from 'node:net';
import type { Socket } from 'node:net';
import { TickWriter } from './tick-writer.js';
import type { Logger } from 'pino';
import { CometError } from '../../errors.js';
import { FrameDecoder, decodeFrameContent, encodeCommand } from './codec.js';
import type { RemotingCommand } from './command.js';
import { isResponse } from './command.js';

export interface ClientConnectionOptions {
  readonly connectTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly maxPendingRequests: number;
  readonly maxPendingWriteBytes: number;
  readonly onServerRequest: ((address: string, request: RemotingCommand) => void) | undefined;
  /** Called once when the socket is gone (so the client forgets it and the next invoke reconnects). */
  readonly onGone: (conn: ClientConnection) => void;
}

interface Pending {
  readonly resolve: (response: RemotingCommand) => void;
  readonly reject: (error: CometError) => void;
  /** Date.now() after which the request fails REMOTING_TIMEOUT. */
  readonly deadline: number;
  readonly code: number;
  readonly timeoutMs: number;
}

/** Split `host:port` (§1.1: IPv4 or host names, never IPv6 literals). */
export function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new CometError('REMOTING_CONNECT_FAILED', `invalid address "${address}" (expected host:port)`);
  }
  return { host, port };
}

/**
 * One client TCP connection to `host:port`: requests multiplexed by opaque, each with its own
 * deadline; losing the socket fails every pending request with REMOTING_CONNECT_FAILED.
 * Deadlines share one timer armed for the earliest of them (not a setTimeout per request): when it
 * fires, every expired request fails REMOTING_TIMEOUT and the timer is re-armed for the next one.
 */
export class ClientConnection {
  /** Resolves once connected; rejects with REMOTING_CONNECT_FAILED. */
  readonly ready: Promise<void>;
  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private failure: CometError | undefined;
  private gone = false;
  private readonly out: TickWriter;
  /** The deadline timer (undefined when nothing is pending) and the Date.now() it fires at. */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly sweep = (): void => this.expire();
  private readonly closedPromise: Promise<void>;

  constructor(
    readonly address: string,
    private readonly options: ClientConnectionOptions,
    private readonly log: Logger,
  ) {
    const { host, port } = parseAddress(address);
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    this.socket = net.connect({ host, port, noDelay: true });
    this.out = new TickWriter(this.socket);
    this.socket.setNoDelay(true);
    this.closedPromise = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.destroy(new CometError('REMOTING_CONNECT_FAILED', `connect to ${address} timed out after ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('close', () => {
        clearTimeout(timer);
        reject(this.lossError());
      });
    });
    this.ready.catch(() => undefined); // observed through invoke; never an unhandled rejection
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e: Error) => {
      this.failure ??= new CometError('REMOTING_CONNECT_FAILED', `connection to ${address} failed: ${e.message}`, { cause: e });
    });
    this.socket.on('close', () => this.onSocketClose());
  }

  /** True once the socket is closed or being destroyed: the client then opens a new connection. */
  get closed(): boolean {
    return this.gone || this.socket.destroyed;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Send a request and wait for the response with its opaque. */
  request(command: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    if (this.pending.has(command.opaque)) {
      return Promise.reject(new CometError('REMOTING_CONNECTION_OVERLOADED', `opaque ${command.opaque} is still pending on ${this.address}`));
    }
    return new Promise<RemotingCommand>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      this.pending.set(command.opaque, { resolve, reject, deadline, code: command.code, timeoutMs });
      if (deadline < this.timerAt) this.arm(deadline, timeoutMs);
      this.write(encodeCommand(command));
    });
  }

  /** Write a one-way request once connected. */
  async oneway(command: RemotingCommand): Promise<void> {
    await this.ready;
    const refused = this.refusal();
    if (refused !== undefined) throw refused;
    this.write(encodeCommand(command));
  }

  destroy(error: CometError): void {
    this.failure ??= error;
    this.socket.destroy();
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  private refusal(): CometError | undefined {
    if (this.gone || this.socket.destroyed) return this.lossError();
    if (this.pending.size >= this.options.maxPendingRequests) {
      return new CometError('REMOTING_CONNECTION_OVERLOADED', `${this.pending.size} requests already pending on ${this.address}`);
    }
    if (this.socket.writableLength > this.options.maxPendingWriteBytes) {
      return new CometError('REMOTING_CONNECTION_OVERLOADED', `${this.socket.writableLength} bytes not yet written to ${this.address}: the peer is not reading`);
    }
    return undefined;
  }

  private lossError(): CometError {
    return this.failure ?? new CometError('REMOTING_CONNECT_FAILED', `connection to ${this.address} closed`);
  }

  private write(frame: Buffer): void {
    this.out.write(frame);
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.log.warn({ err: e, address: this.address }, 'closing connection: bad frame from server');
      this.destroy(new CometError('REMOTING_CONNECT_FAILED', `bad frame from ${this.address}`, { cause: e }));
      return;
    }
    for (const frame of frames) {
      if (this.gone) return;
      let command: RemotingCommand;
      try {
        command = decodeFrameContent(frame);
      } catch (e) {
        this.log.warn({ err: e, address: this.address }, 'closing connection: malformed frame from server');
        this.destroy(new CometError('REMOTING_CONNECT_FAILED', `malformed frame from ${this.address}`, { cause: e }));
        return;
      }
      if (isResponse(command)) this.settle(command);
      else this.serverRequest(command);
    }
  }

  private settle(response: RemotingCommand): void {
    const p = this.pending.get(response.opaque);
    if (p === undefined) {
      this.log.debug({ opaque: response.opaque, address: this.address }, 'response to no pending request (timed out?)');
      return;
    }
    this.pending.delete(response.opaque);
    if (this.pending.size === 0) this.disarm();
    p.resolve(response);
  }

  /** (Re)arm the shared timer to fire at `deadline` (`delay` ms from now). */
  private arm(deadline: number, delay: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(this.sweep, Math.max(0, delay));
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** Fail every request past its deadline with REMOTING_TIMEOUT; re-arm for the earliest remaining one. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const expired: [number, Pending][] = [];
    for (const [opaque, p] of this.pending) {
      if (p.deadline <= now) expired.push([opaque, p]);
      else if (p.deadline < next) next = p.deadline;
    }
    for (const [opaque] of expired) this.pending.delete(opaque);
    if (next !== Infinity) this.arm(next, next - now);
    for (const [opaque, p] of expired) {
      p.reject(new CometError('REMOTING_TIMEOUT', `request code ${p.code} to ${this.address} got no response in ${p.timeoutMs} ms`, { details: { opaque } }));
    }
  }

  private serverRequest(request: RemotingCommand): void {
    const listener = this.options.onServerRequest;
    if (listener === undefined) return;
    try {
      listener(this.address, request);
    } catch (e) {
      this.log.error({ err: e, code: request.code }, 'onServerRequest listener failed');
    }
  }

  private onSocketClose(): void {
    if (this.gone) return;
    this.gone = true;
    const error = this.lossError();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.disarm();
    for (const p of pending) p.reject(error);
    this.options.onGone(this);
  }
}
