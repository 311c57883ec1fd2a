import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { CometError, type ErrorCode } from '../../errors.js';
import type { Door } from '../../messaging/door.js';

/**
 * The accept side shared by the stream doors (MQTT, STOMP): a TCP listener plus streams handed in
 * from elsewhere (WebSocket upgrades on the HTTP door), each turned into a connection by `open`,
 * with no-delay set on TCP sockets (a Nagle delay holds small frames back ~40 ms with some clients).
 */
export class StreamListener<C> {
  readonly connections = new Set<C>();
  #server: net.Server | undefined;
  #accepting = true;

  constructor(
    private readonly scheme: string,
    private readonly listenErrorCode: ErrorCode,
    private readonly open: (socket: Duplex, remote: string) => C,
  ) {}

  async listen(host: string, port: number): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket, `${socket.remoteAddress}:${socket.remotePort}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new CometError(this.listenErrorCode, `cannot listen on ${host}:${port}: ${e.message}`, { cause: e })));
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
  }

  /** A new connection (TCP socket, or a WebSocket stream); refused once stopAccepting() ran. */
  accept(socket: Duplex, remote: string): void {
    if (!this.#accepting) {
      socket.destroy();
      return;
    }
    if (socket instanceof net.Socket) socket.setNoDelay(true);
    const c = this.open(socket, remote);
    this.connections.add(c);
    socket.once('close', () => this.connections.delete(c));
  }

  address(): { host: string; port: number } | undefined {
    const a = this.#server?.address();
    return a === null || a === undefined || typeof a === 'string' ? undefined : { host: a.address, port: a.port };
  }

  addresses(): readonly string[] {
    const a = this.address();
    return a === undefined ? [] : [`${this.scheme}://${a.host}:${a.port}`];
  }

  stopAccepting(): void {
    this.#accepting = false;
    this.#server?.close();
  }
}

/**
 * Backpressure on a connection's socket: canWrite() while its send buffer is below the limit;
 * whenWritable() resolves on 'drain' or when the connection closes (wake()).
 */
export class WriteGate {
  #waiters: (() => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    private readonly maxPendingBytes: number,
    private readonly isOpen: () => boolean,
  ) {
    socket.on('drain', () => this.wake());
  }

  canWrite(): boolean {
    return this.isOpen() && this.socket.writableLength < this.maxPendingBytes;
  }

  whenWritable(): Promise<void> {
    if (this.canWrite() || !this.isOpen()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/** A door whose connections are byte streams (MQTT, STOMP): the listener's side of the Door contract. */
export abstract class StreamDoor<C> implements Door {
  abstract readonly name: string;
  protected readonly listener: StreamListener<C>;

  constructor(scheme: string, listenErrorCode: ErrorCode, open: (socket: Duplex, remote: string) => C) {
    this.listener = new StreamListener(scheme, listenErrorCode, open);
  }

  /** A new connection (TCP socket, or a WebSocket stream from the HTTP door). */
  accept(socket: Duplex, remote: string): void {
    this.listener.accept(socket, remote);
  }

  address(): { host: string; port: number } | undefined {
    return this.listener.address();
  }

  addresses(): readonly string[] {
    return this.listener.addresses();
  }

  async stopAccepting(): Promise<void> {
    this.listener.stopAccepting();
  }

  abstract drain(deadline: number): Promise<void>;
}

/**
 * A stream protocol over WebSocket (MQTT 5 §6, STOMP over WebSocket): an upgrade handler for the HTTP
 * door that accepts one of `subprotocols` and hands the socket to the door as a byte stream.
 * `requireProtocol`: a client offering none of them is closed with 1002.
 */
export function streamOverWebSocket(
  door: { accept(socket: Duplex, remote: string): void },
  options: { readonly maxPayload: number; readonly subprotocols: readonly string[]; readonly requireProtocol: boolean },
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    perMessageDeflate: false,
    handleProtocols: (offered) => options.subprotocols.find((p) => offered.has(p)) ?? false,
  });
  return (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (options.requireProtocol && ws.protocol === '') {
        ws.close(1002, `the WebSocket subprotocol must be one of ${options.subprotocols.join(', ')}`);
        return;
      }
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      door.accept(stream, `${req.socket.remoteAddress}:${req.socket.remotePort}`);
    });
  };
}
