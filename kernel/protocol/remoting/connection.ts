import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { CometError, isCometError } from '../../errors.js';
import { FrameDecoder, decodeFrameContent, encodeCommand } from './codec.js';
import { FLAG_ONEWAY, FLAG_RESPONSE, ResponseCode } from './codes.js';
import type { RemotingCommand, RequestInit } from './command.js';
import { createRequest, createResponse, isOneway, isResponse } from './command.js';
import { peekOpaque } from './salvage.js';
import { TickWriter } from './tick-writer.js';
import type { Processor, RemotingConnection } from './transport.js';

/** Per-connection limits (resolved from RemotingServerOptions). */
export interface ConnectionLimits {
  readonly maxFrameBytes: number;
  readonly maxInflight: number;
  readonly maxPendingWriteBytes: number;
  readonly idleTimeoutMs: number;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  processorFor(code: number): Processor | undefined;
  /** A processor of this connection finished (server-wide in-flight accounting). */
  inflightDone(): void;
}

/** After a fatal frame error we `end()` the socket; a peer that never reads is destroyed after this. */
const END_GRACE_MS = 2000;

/** IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are shown as IPv4 (§1.1: clients use IPv4 or host names). */
export const stripMapped = (address: string | undefined): string => (address ?? 'unknown').replace(/^::ffff:/i, '');

/**
 * One accepted TCP connection: frames in (FrameDecoder → decodeFrameContent → processor by code),
 * responses out by opaque in completion order (shared/rocketmq-protocol.md §1.1). Memory is bounded by
 * `maxInflight` processors plus `maxPendingWriteBytes` of unwritten output: above that the socket
 * is paused until 'drain' (a peer that never reads stops being read).
 */
export class ServerConnection implements RemotingConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  private isClosed = false;
  private inflightCount = 0;
  private readonly decoder: FrameDecoder;
  private readonly closeListeners: Array<() => void> = [];
  /** Decoded-but-not-dispatched frames of the last chunk, held while output is over its bound. */
  private backlog: Buffer[] = [];
  private backlogHead = 0;
  private outputPaused = false;
  /** Reading stopped for good (malformed frame, or server shutdown). */
  private stopped = false;
  private readonly out: TickWriter;
  private nextOpaque = 1;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly host: ConnectionHost,
    private readonly log: Logger,
  ) {
    this.remoteAddress = `${stripMapped(socket.remoteAddress)}:${socket.remotePort ?? 0}`;
    this.remotePort = socket.remotePort ?? 0;
    this.out = new TickWriter(socket);
    this.decoder = new FrameDecoder(limits.maxFrameBytes);
    socket.setNoDelay(true);
    if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('timeout', () => this.onIdle());
    socket.on('error', (e: Error) => this.log.debug({ err: e }, 'socket error'));
    socket.on('close', () => this.onSocketClose());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Processors of this connection still running. */
  get inflight(): number {
    return this.inflightCount;
  }

  /** Unwritten output bytes held by Node for this socket. */
  get pendingWriteBytes(): number {
    return this.socket.writableLength;
  }

  /** Whether reading is paused because the peer does not read its responses. */
  get readingPaused(): boolean {
    return this.outputPaused;
  }

  onClose(listener: () => void): void {
    if (this.isClosed) queueMicrotask(() => this.callListener(listener));
    else this.closeListeners.push(listener);
  }

  close(): void {
    this.socket.destroy();
    this.markClosed();
  }

  /** Stop reading new requests (shutdown); running processors still answer. */
  stopReading(): void {
    this.stopped = true;
    this.backlog = [];
    this.backlogHead = 0;
    this.socket.pause();
  }

  sendOneway(request: Omit<RequestInit, 'opaque' | 'oneway'>): void {
    if (this.isClosed) return;
    if (this.overOutput()) {
      this.log.debug({ code: request.code }, 'dropping server-initiated one-way request: peer is not reading');
      return;
    }
    const opaque = this.nextOpaque;
    this.nextOpaque = opaque >= 0x7fffffff ? 1 : opaque + 1;
    this.write(encodeCommand(createRequest({ ...request, opaque, oneway: true })));
  }

  private onData(chunk: Buffer): void {
    if (this.stopped || this.isClosed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      // §1.2: a bad or oversize length field leaves no way to resynchronise: close.
      this.log.warn({ err: e }, 'closing connection: bad frame length');
      this.close();
      return;
    }
    if (frames.length === 0) return;
    if (this.backlogHead < this.backlog.length) this.backlog.push(...frames);
    else {
      this.backlog = frames;
      this.backlogHead = 0;
    }
    this.pump();
  }

  /** Dispatch held frames while output is under its bound; otherwise pause reading. */
  private pump(): void {
    while (this.backlogHead < this.backlog.length && !this.stopped && !this.isClosed) {
      if (this.overOutput()) {
        this.pauseForOutput();
        return;
      }
      const frame = this.backlog[this.backlogHead]!;
      this.backlogHead += 1;
      this.dispatch(frame);
    }
    if (this.backlogHead >= this.backlog.length) {
      this.backlog = [];
      this.backlogHead = 0;
    }
  }

  private dispatch(content: Buffer): void {
    let request: RemotingCommand;
    try {
      request = decodeFrameContent(content);
    } catch (e) {
      this.malformed(content, e);
      return;
    }
    if (isResponse(request)) {
      this.log.debug({ opaque: request.opaque }, 'ignoring a response frame from the peer');
      return;
    }
    const processor = this.host.processorFor(request.code);
    if (processor === undefined) {
      // §1.6: REQUEST_CODE_NOT_SUPPORTED with a remark, as Java's NettyRemotingAbstract does.
      this.answer(request, createResponse(request, { code: ResponseCode.REQUEST_CODE_NOT_SUPPORTED, remark: `request code ${request.code} not supported` }));
      return;
    }
    if (this.inflightCount >= this.limits.maxInflight) {
      const err = new CometError('REMOTING_CONNECTION_OVERLOADED', `more than ${this.limits.maxInflight} requests in flight on this connection`);
      this.answer(request, createResponse(request, { code: ResponseCode.SYSTEM_BUSY, remark: err.message }));
      return;
    }
    this.run(processor, request);
  }

  private run(processor: Processor, request: RemotingCommand): void {
    this.inflightCount += 1;
    let result: ReturnType<Processor>;
    try {
      result = processor(request, this);
    } catch (e) {
      this.finish(request, undefined, e);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (response) => this.finish(request, response, undefined),
        (e: unknown) => this.finish(request, undefined, e ?? new Error('processor rejected')),
      );
    } else {
      this.finish(request, result, undefined);
    }
  }

  private finish(request: RemotingCommand, response: RemotingCommand | undefined, error: unknown): void {
    this.inflightCount -= 1;
    try {
      this.host.inflightDone();
    } catch (e) {
      this.log.error({ err: e }, 'in-flight accounting failed');
    }
    if (error !== undefined) {
      const known = isCometError(error);
      if (!known) this.log.error({ err: error, code: request.code }, 'processor failed');
      const reply = createResponse(request, {
        code: known ? error.remotingCode : ResponseCode.SYSTEM_ERROR,
        remark: error instanceof Error ? error.message : 'internal error',
      });
      this.answer(request, reply);
      return;
    }
    if (response !== undefined) {
      this.answer(request, { ...response, opaque: request.opaque, flag: (response.flag | FLAG_RESPONSE) & ~FLAG_ONEWAY, serializeType: request.serializeType });
    }
  }

  /** Write a response unless the request was one-way or the connection is gone (then it is dropped). */
  private answer(request: RemotingCommand, response: RemotingCommand): void {
    if (isOneway(request) || this.isClosed) return;
    let frame: Buffer;
    try {
      frame = encodeCommand(response);
    } catch (e) {
      this.log.error({ err: e, code: request.code }, 'response could not be encoded');
      try {
        frame = encodeCommand(createResponse(request, { code: ResponseCode.SYSTEM_ERROR, remark: 'response could not be encoded' }));
      } catch {
        return;
      }
    }
    this.write(frame);
  }

  private write(frame: Buffer): void {
    if (this.isClosed || !this.socket.writable) return;
    this.out.write(frame);
    if (this.overOutput()) this.pauseForOutput();
  }

  private overOutput(): boolean {
    return this.socket.writableLength > this.limits.maxPendingWriteBytes;
  }

  private pauseForOutput(): void {
    if (this.outputPaused) return;
    this.outputPaused = true;
    this.socket.pause();
    this.log.debug({ pendingWriteBytes: this.socket.writableLength }, 'peer is not reading: paused reading');
  }

  private onDrain(): void {
    if (!this.outputPaused) return;
    this.outputPaused = false;
    this.pump();
    if (!this.outputPaused && !this.stopped && !this.isClosed) {
      this.socket.resume();
      this.log.debug('output drained: resumed reading');
    }
  }

  /** REMOTING_FRAME_INVALID: answer it if the opaque can be read, then close (§1.2). */
  private malformed(content: Buffer, error: unknown): void {
    this.stopReading();
    const opaque = peekOpaque(content);
    this.log.warn({ err: error, opaque }, 'closing connection: malformed frame');
    if (opaque !== undefined && !this.isClosed && this.socket.writable) {
      const remark = error instanceof Error ? error.message : 'malformed frame';
      const code = isCometError(error) ? error.remotingCode : ResponseCode.SYSTEM_ERROR;
      this.socket.write(encodeCommand(createResponse({ opaque, serializeType: 0 }, { code, remark })));
    }
    this.endGracefully(END_GRACE_MS);
  }

  /**
   * Flush what is written, send FIN, and discard further input (reading on, so the peer's FIN is seen
   * and unread input cannot turn our close into a RST). Destroyed after `graceMs` if the peer lingers.
   */
  endGracefully(graceMs: number): void {
    if (this.isClosed) return;
    this.stopped = true;
    this.backlog = [];
    this.backlogHead = 0;
    if (graceMs <= 0) {
      this.close();
      return;
    }
    this.out.flush();
    this.socket.resume();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), graceMs).unref();
  }

  private onIdle(): void {
    if (this.inflightCount > 0) return; // a held long poll is not idleness
    this.log.info({ idleTimeoutMs: this.limits.idleTimeoutMs }, 'closing idle connection');
    this.close();
  }

  private onSocketClose(): void {
    this.backlog = [];
    this.backlogHead = 0;
    this.markClosed();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.log.debug('connection closed');
    const listeners = this.closeListeners.splice(0);
    for (const listener of listeners) this.callListener(listener);
  }

  private callListener(listener: () => void): void {
    try {
      listener();
    } catch (e) {
      this.log.error({ err: e }, 'onClose listener failed');
    }
  }
}

function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
