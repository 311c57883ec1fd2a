import type { Logger } from 'pino';
import pino from 'pino';
import { CometError } from '../../errors.js';
import { ClientConnection } from './client-connection.js';
import { MAX_FRAME_BYTES } from './codes.js';
import type { RemotingCommand, RequestInit } from './command.js';
import { requestCommand } from './command.js';
import type { RemotingClient, RemotingClientOptions } from './transport.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 3000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
/** Requests awaiting a response on one connection; beyond it invoke fails REMOTING_CONNECTION_OVERLOADED. */
export const MAX_PENDING_REQUESTS_PER_CONNECTION = 65_536;
/** Unwritten bytes on one connection beyond which invoke fails (the server is not reading). */
export const MAX_CLIENT_PENDING_WRITE_BYTES = 64 * 1024 * 1024;

/** The implementation behind RemotingClient, with extras for tests. */
export interface RemotingClientImpl extends RemotingClient {
  /** Addresses with an open (or opening) connection. */
  addresses(): readonly string[];
  /** Requests awaiting a response on the connection to `address` (0 if none). */
  pendingCount(address: string): number;
}

/**
 * A RocketMQ remoting client (shared/rocketmq-protocol.md §1.1): one TCP connection per `host:port`,
 * opened on first use; requests multiplexed by a client-wide opaque counter.
 */
export function createRemotingClient(options: RemotingClientOptions = {}, logger?: Logger): RemotingClientImpl {
  const log = logger ?? pino({ level: 'silent' });
  const conns = new Map<string, ClientConnection>();
  let opaque = 0;
  let closed = false;

  const nextOpaque = (): number => {
    opaque = opaque >= 0x7fffffff ? 1 : opaque + 1;
    return opaque;
  };

  const connection = (address: string): ClientConnection => {
    if (closed) throw new CometError('REMOTING_CONNECT_FAILED', 'the remoting client is closed');
    const existing = conns.get(address);
    if (existing !== undefined && !existing.closed) return existing;
    const conn = new ClientConnection(
      address,
      {
        connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        maxFrameBytes: options.maxFrameBytes ?? MAX_FRAME_BYTES,
        maxPendingRequests: MAX_PENDING_REQUESTS_PER_CONNECTION,
        maxPendingWriteBytes: MAX_CLIENT_PENDING_WRITE_BYTES,
        onServerRequest: options.onServerRequest,
        onGone: (gone) => {
          if (conns.get(address) === gone) conns.delete(address);
        },
      },
      log.child({ peer: address }),
    );
    conns.set(address, conn);
    return conn;
  };

  return {
    // Not async: one promise per request (the connection's), sync failures become rejections.
    invoke(address: string, request: Omit<RequestInit, 'opaque'>, timeoutMs?: number): Promise<RemotingCommand> {
      try {
        const conn = connection(address);
        return conn.request(requestCommand(request, nextOpaque(), false), timeoutMs ?? options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
    async invokeOneway(address: string, request: Omit<RequestInit, 'opaque' | 'oneway'>): Promise<void> {
      const conn = connection(address);
      await conn.oneway(requestCommand(request, nextOpaque(), true));
    },
    closeConnection(address: string): void {
      conns.get(address)?.destroy(new CometError('REMOTING_CONNECT_FAILED', `connection to ${address} closed by the client`));
    },
    async close(): Promise<void> {
      closed = true;
      const all = [...conns.values()];
      for (const c of all) c.destroy(new CometError('REMOTING_CONNECT_FAILED', 'the remoting client is closed'));
      await Promise.all(all.map((c) => c.whenClosed()));
      conns.clear();
    },
    addresses: () => [...conns.keys()],
    pendingCount: (address: string) => conns.get(address)?.pendingCount ?? 0,
  };
}
