import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { wrapError } from '../../errors.js';
import { MAX_FRAME_BYTES } from './codes.js';
import type { ConnectionLimits } from './connection.js';
import { ServerConnection, stripMapped } from './connection.js';
import type { Processor, RemotingConnection, RemotingServer, RemotingServerOptions } from './transport.js';

export const DEFAULT_MAX_INFLIGHT_PER_CONNECTION = 1024;
export const DEFAULT_MAX_PENDING_WRITE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;
/** close() without a deadline waits this long for running processors. */
export const DEFAULT_CLOSE_GRACE_MS = 10_000;

/** The implementation behind RemotingServer, with a few extras for tests and metrics. */
export interface RemotingServerImpl extends RemotingServer {
  connections(): readonly ServerConnection[];
  /** Processors running across all connections. */
  inflight(): number;
}

/**
 * A RocketMQ remoting server (shared/rocketmq-protocol.md §1): one net.Server, one ServerConnection
 * per socket, processors dispatched from a table by request code.
 */
export function createRemotingServer(options: RemotingServerOptions, logger: Logger): RemotingServerImpl {
  const limits: ConnectionLimits = {
    maxFrameBytes: options.maxFrameBytes ?? MAX_FRAME_BYTES,
    maxInflight: options.maxInflightPerConnection ?? DEFAULT_MAX_INFLIGHT_PER_CONNECTION,
    maxPendingWriteBytes: options.maxPendingWriteBytes ?? DEFAULT_MAX_PENDING_WRITE_BYTES,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
  const processors = new Map<number, Processor>();
  const conns = new Set<ServerConnection>();
  let idleWaiters: Array<() => void> = [];
  let nextId = 1;
  let accepting = true;
  let bound: { host: string; port: number } | undefined;
  let listenerClosed: Promise<void> | undefined;

  const inflight = (): number => {
    let n = 0;
    for (const c of conns) n += c.inflight;
    return n;
  };
  const host = {
    processorFor: (code: number): Processor | undefined => processors.get(code),
    inflightDone: (): void => {
      if (idleWaiters.length === 0 || inflight() > 0) return;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };

  const server = net.createServer({ noDelay: true });
  server.on('error', (e) => logger.error({ err: e }, 'remoting listener error'));
  server.on('connection', (socket) => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    const id = `${stripMapped(socket.remoteAddress)}:${socket.remotePort ?? 0}#${nextId++}`;
    const conn = new ServerConnection(id, socket, limits, host, logger.child({ conn: id }));
    conns.add(conn);
    conn.onClose(() => {
      conns.delete(conn);
      host.inflightDone();
    });
  });

  const stopAccepting = (): Promise<void> => {
    accepting = false;
    if (listenerClosed === undefined) {
      listenerClosed = server.listening ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
    }
    return Promise.resolve();
  };

  /** Resolve when no processor runs, or at the deadline (performance.now() clock). */
  const waitIdle = (deadlineMs: number): Promise<void> =>
    new Promise((resolve) => {
      if (inflight() === 0) return resolve();
      const remaining = deadlineMs - performance.now();
      if (remaining <= 0) return resolve();
      const timer = setTimeout(done, remaining);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      idleWaiters.push(done);
    });

  return {
    handle(code: number, processor: Processor): void {
      processors.set(code, processor);
    },
    async listen() {
      await new Promise<void>((resolve, reject) => {
        const onError = (e: Error): void => reject(wrapError('REMOTING_LISTEN_FAILED', `cannot listen on ${options.host}:${options.port}`, e));
        server.once('error', onError);
        server.listen(options.port, options.host, () => {
          server.off('error', onError);
          resolve();
        });
      });
      const a = server.address() as AddressInfo;
      bound = { host: stripMapped(a.address), port: a.port };
      logger.info(bound, 'remoting server listening');
      return bound;
    },
    stopAccepting,
    async close(deadlineMs?: number) {
      await stopAccepting();
      for (const c of conns) c.stopReading();
      deadlineMs ??= performance.now() + DEFAULT_CLOSE_GRACE_MS;
      await waitIdle(deadlineMs);
      // Flush the answers just written; connections still open at the deadline are destroyed.
      const open = [...conns];
      const allClosed = Promise.all(open.map((c) => new Promise<void>((resolve) => c.onClose(resolve))));
      for (const c of open) c.endGracefully(Math.max(0, deadlineMs - performance.now()));
      await allClosed;
      await listenerClosed;
      logger.info('remoting server closed');
    },
    connections: () => [...conns],
    inflight,
    address: () => bound,
  } satisfies RemotingServerImpl & { connections(): readonly RemotingConnection[] };
}
