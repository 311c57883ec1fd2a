import type { RemotingCommand, RequestInit } from './command.js';

/**
 * Transport contracts for the native protocol, shared by the broker door, the name server and
 * sdk-node. Implementations: server.ts (RemotingServer) and client.ts (RemotingClient).
 */

/** One accepted TCP connection as a processor sees it. */
export interface RemotingConnection {
  /** Stable id for this connection (for client registries). */
  readonly id: string;
  /** `ip:port` of the peer, IPv4-mapped addresses shown as IPv4. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Send a server-initiated request (e.g. NOTIFY_CONSUMER_IDS_CHANGED) one-way; never waits for a reply. */
  sendOneway(request: Omit<RequestInit, 'opaque' | 'oneway'>): void;
  /** Called once when the connection closes (for any reason). */
  onClose(listener: () => void): void;
  readonly closed: boolean;
  close(): void;
}

/**
 * What a processor returns: a response (the server copies opaque and sets the response flag), or
 * undefined for one-way requests. Long-polling processors simply resolve later.
 * Throwing a CometError answers with its remotingCode and message as remark; anything else answers
 * SYSTEM_ERROR. The server never crashes on a processor error.
 */
export type Processor = (request: RemotingCommand, connection: RemotingConnection) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

export interface RemotingServerOptions {
  readonly host: string;
  /** 0 = pick a free port. */
  readonly port: number;
  readonly maxFrameBytes?: number;
  /** Requests of one connection being processed at once; beyond it the server answers SYSTEM_BUSY. */
  readonly maxInflightPerConnection?: number;
  /** Unwritten output bytes of one connection beyond which the server stops reading it (backpressure). */
  readonly maxPendingWriteBytes?: number;
  readonly idleTimeoutMs?: number;
}

export interface RemotingServer {
  /** Register the processor of one request code (one file per code). Unknown codes answer REQUEST_CODE_NOT_SUPPORTED. */
  handle(code: number, processor: Processor): void;
  listen(): Promise<{ host: string; port: number }>;
  /** Stop accepting new connections. */
  stopAccepting(): Promise<void>;
  /** Wait for in-flight processors until `deadlineMs` (monotonic), then close every connection. */
  close(deadlineMs?: number): Promise<void>;
  connections(): readonly RemotingConnection[];
  address(): { host: string; port: number } | undefined;
}

export interface RemotingClientOptions {
  /** Default per-request timeout. */
  readonly requestTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  /** Server-initiated requests (e.g. NOTIFY_CONSUMER_IDS_CHANGED) arrive here. */
  readonly onServerRequest?: (address: string, request: RemotingCommand) => void;
}

/** One client keeps one connection per `host:port` and multiplexes requests by opaque. */
export interface RemotingClient {
  /** Resolves with the response; rejects with REMOTING_TIMEOUT / REMOTING_CONNECT_FAILED (CometError). */
  invoke(address: string, request: Omit<RequestInit, 'opaque'>, timeoutMs?: number): Promise<RemotingCommand>;
  invokeOneway(address: string, request: Omit<RequestInit, 'opaque' | 'oneway'>): Promise<void>;
  /** Close the connection to one address (its pending requests fail). */
  closeConnection(address: string): void;
  close(): Promise<void>;
}
