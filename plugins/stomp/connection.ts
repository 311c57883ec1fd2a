import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Messaging, ProduceRequest } from '../../kernel/messaging/api.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import { ProduceGate } from '../../kernel/messaging/produce-gate.js';
import { WriteGate } from '../../kernel/protocol/streams/stream-door.js';
import type { Clock, TimerHandle } from '../../kernel/services.js';
import type { StompConfig } from './config.js';
import { encodeFrame, FrameParser, header, type StompFrame, type StompVersion } from './frame.js';
import { HANDLERS } from './handlers/index.js';
import type { StompOutlet, StompSubscription } from './subscription.js';

export interface ConnectionDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: StompConfig;
}

/** What a transaction holds until COMMIT (STOMP 1.2 §BEGIN): sends and acknowledgements, in order. */
export interface Transaction {
  readonly work: (() => Promise<void>)[];
  readonly sends: ProduceRequest[];
}

type State = 'awaitingConnect' | 'connected' | 'closed';

/**
 * One STOMP connection (TCP, or a WebSocket stream): frames in, dispatched to handlers/ (one file
 * per client frame), responses in arrival order; heart-beating, receipts, ERROR-then-close.
 */
export class StompConnection implements StompOutlet {
  version: StompVersion = '1.2';
  readonly session = randomUUID();
  clientId: string | undefined;
  readonly subscriptions = new Map<string, StompSubscription>();
  readonly transactions = new Map<string, Transaction>();
  /** Keeps this connection's SENDs in arrival order while topics are auto-created. */
  readonly produceGate = new ProduceGate();
  readonly logger: Logger;
  #state: State = 'awaitingConnect';
  readonly #parser: FrameParser;
  #tail: Promise<void> = Promise.resolve();
  #lastReceived: number;
  #timers: TimerHandle[] = [];
  readonly #writes: WriteGate;

  constructor(
    readonly deps: ConnectionDeps,
    private readonly socket: Duplex,
    readonly remote: string,
  ) {
    const { config, clock, logger } = deps;
    this.logger = logger.child({ remote });
    this.#writes = new WriteGate(socket, deps.config.maxPendingWriteBytes, () => this.isOpen());
    this.#parser = new FrameParser({ maxHeaderBytes: config.maxHeaderBytes, maxHeaders: config.maxHeaders, maxBodyBytes: config.maxBodyBytes });
    this.#lastReceived = clock.monotonic();
    this.#timers.push(clock.setTimeout(() => this.close('no CONNECT in time'), config.connectTimeoutMs).unref());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e: Error) => this.logger.debug({ err: e }, 'STOMP connection error'));
    socket.on('close', () => this.close('socket closed'));
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  isOpen(): boolean {
    return this.#state !== 'closed';
  }

  /** CONNECTED is out: start heart-beating (STOMP 1.2 §Heart-beating) with the agreed periods. */
  connectedWith(version: StompVersion, sendEveryMs: number, expectEveryMs: number): void {
    this.version = version;
    this.#parser.version = version;
    this.#state = 'connected';
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    const clock = this.deps.clock;
    if (sendEveryMs > 0) this.#timers.push(clock.setInterval(() => this.#beat(), sendEveryMs).unref());
    if (expectEveryMs > 0) {
      // Tolerance: twice the agreed period before the connection is considered dead.
      this.#timers.push(
        clock
          .setInterval(() => {
            if (clock.monotonic() - this.#lastReceived > expectEveryMs * 2) this.error('heart-beat timeout', `nothing received for ${expectEveryMs * 2} ms`);
          }, expectEveryMs)
          .unref(),
      );
    }
  }

  #beat(): void {
    if (this.#state === 'connected' && this.socket.writableLength === 0) this.socket.write('\n');
  }

  /** Run `fn` after every earlier frame's work; a thrown error becomes an ERROR frame. */
  ordered(frame: StompFrame, fn: () => Promise<void> | void): void {
    // Once the connection is closed (ERROR, client gone), the frames behind it are dropped.
    this.#tail = this.#tail.then(() => (this.isOpen() ? fn() : undefined)).catch((e: unknown) => {
      this.logger.warn({ err: e, command: frame.command }, 'STOMP frame handling failed');
      this.error('internal error', e instanceof Error ? e.message : String(e), frame);
    });
  }

  sendFrame(command: string, headers: ReadonlyArray<readonly [string, string]>, body: Buffer | undefined): void {
    if (this.#state === 'closed') return;
    this.socket.write(encodeFrame(command, headers, body, this.version));
  }

  /** RECEIPT for a frame that asked for one (§"Header receipt"). */
  receipt(frame: StompFrame): void {
    const id = header(frame, 'receipt');
    if (id !== undefined) this.sendFrame('RECEIPT', [['receipt-id', id]], undefined);
  }

  /** ERROR (§ERROR): a short message header, the detail as text body, then the connection closes. */
  error(message: string, detail: string, frame?: StompFrame): void {
    if (this.#state === 'closed') return;
    const headers: [string, string][] = [['message', message.replace(/[\r\n]/g, ' ')], ['content-type', 'text/plain']];
    const receiptId = frame === undefined ? undefined : header(frame, 'receipt');
    if (receiptId !== undefined) headers.push(['receipt-id', receiptId]);
    this.logger.info({ message, detail }, 'STOMP ERROR sent; closing');
    this.sendFrame('ERROR', headers, Buffer.from(detail));
    this.close(message);
  }

  canWrite(): boolean {
    return this.#writes.canWrite();
  }

  whenWritable(): Promise<void> {
    return this.#writes.whenWritable();
  }

  close(why: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.logger.debug({ why }, 'STOMP connection closing');
    for (const t of this.#timers) t.cancel();
    // Unacknowledged queue messages go back to their group at once (redelivered to others).
    for (const s of this.subscriptions.values()) s.stop();
    this.subscriptions.clear();
    this.transactions.clear();
    this.#writes.wake();
    this.socket.end();
    this.deps.clock.setTimeout(() => this.socket.destroy(), 1000).unref();
  }


  #onData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    this.#lastReceived = this.deps.clock.monotonic();
    for (const ev of this.#parser.push(chunk)) {
      if (!this.isOpen()) return;
      if (ev.kind === 'heartbeat') continue;
      if (ev.kind === 'error') return this.error(ev.tooLarge ? 'frame too large' : 'malformed frame', ev.reason);
      this.#dispatch(ev.frame);
    }
  }

  #dispatch(frame: StompFrame): void {
    const connect = frame.command === 'CONNECT' || frame.command === 'STOMP';
    if (this.#state === 'awaitingConnect' && !connect) return this.error('not connected', `${frame.command} before CONNECT`, frame);
    if (this.#state === 'connected' && connect) return this.error('already connected', 'a second CONNECT on one connection', frame);
    const handler = HANDLERS[frame.command];
    if (handler === undefined) return this.error('unknown command', `${JSON.stringify(frame.command)} is not a STOMP client frame`, frame);
    handler(this, frame);
  }
}
