/**
 * Test helpers for the remoting transport (not a test file): servers on 127.0.0.1 port 0, raw
 * sockets that speak frames by hand, and a promise-based collector of response frames.
 */
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import pino from 'pino';
import { FrameDecoder, decodeFrameContent } from './codec.js';
import type { RemotingCommand } from './command.js';
import type { RemotingClientImpl } from './client.js';
import { createRemotingClient } from './client.js';
import type { RemotingServerImpl } from './server.js';
import { createRemotingServer } from './server.js';
import type { Processor, RemotingClientOptions, RemotingServerOptions } from './transport.js';

export const silent = pino({ level: 'silent' });

export interface Started {
  readonly server: RemotingServerImpl;
  readonly address: string;
  readonly port: number;
}

/** Start a server with `processors` on 127.0.0.1:0 (or `port`); closed in teardown. */
export async function startServer(
  t: ExecutionContext,
  processors: Record<number, Processor>,
  options: Partial<RemotingServerOptions> = {},
): Promise<Started> {
  const server = createRemotingServer({ host: '127.0.0.1', port: 0, ...options }, silent);
  for (const [code, p] of Object.entries(processors)) server.handle(Number(code), p);
  const { port } = await server.listen();
  t.teardown(() => server.close(performance.now()));
  return { server, address: `127.0.0.1:${port}`, port };
}

export function startClient(t: ExecutionContext, options: RemotingClientOptions = {}): RemotingClientImpl {
  const client = createRemotingClient(options, silent);
  t.teardown(() => client.close());
  return client;
}

/** A raw TCP socket that records every frame it receives and whether it was closed. */
export interface RawPeer {
  readonly socket: net.Socket;
  readonly frames: RemotingCommand[];
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Resolves when `n` frames have arrived, rejects if the socket closes first or after `timeoutMs`. */
  waitFrames(n: number, timeoutMs?: number): Promise<RemotingCommand[]>;
}

export async function rawPeer(t: ExecutionContext, port: number): Promise<RawPeer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  t.teardown(() => {
    socket.destroy();
  });
  const frames: RemotingCommand[] = [];
  const decoder = new FrameDecoder();
  let closedFlag = false;
  let waiters: Array<() => void> = [];
  const notify = (): void => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  socket.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) frames.push(decodeFrameContent(f));
    notify();
  });
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedFlag = true;
      notify();
      resolve();
    }),
  );
  const waitFrames = (n: number, timeoutMs = 5000): Promise<RemotingCommand[]> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${n} frames, got ${frames.length}`)), timeoutMs);
      const check = (): void => {
        if (frames.length >= n) {
          clearTimeout(timer);
          resolve(frames.slice(0, n));
        } else if (closedFlag) {
          clearTimeout(timer);
          reject(new Error(`socket closed after ${frames.length} of ${n} frames`));
        } else waiters.push(check);
      };
      check();
    });
  return { socket, frames, closed, isClosed: () => closedFlag, waitFrames };
}

/** Resolves with true when `p` settles within `timeoutMs`, false otherwise (for bounded waits). */
export function within(p: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Build a frame by hand: JSON header text (possibly invalid) and optional body. */
export function rawJsonFrame(header: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.from(header, 'utf8');
  const frame = Buffer.alloc(8 + h.length + body.length);
  frame.writeInt32BE(4 + h.length + body.length, 0);
  frame.writeInt32BE(h.length, 4);
  h.copy(frame, 8);
  body.copy(frame, 8 + h.length);
  return frame;
}
