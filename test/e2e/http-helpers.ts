import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import type { Kernel } from '../../kernel/kernel.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import { MESSAGING } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../../plugins/http/tokens.js';
import { testKernel } from '../helpers/kernel-harness.js';

/** The storage + messaging + pop + http plugins (index-rocksdb for key queries). */
export const HTTP_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'index-rocksdb', 'auth-allow-all', 'messaging', 'pop', 'http'];

export interface HttpBroker {
  readonly kernel: Kernel;
  readonly messaging: Messaging;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly port: number;
}

export interface HttpBrokerOptions {
  readonly http?: Record<string, unknown>;
  readonly messaging?: Record<string, unknown>;
  readonly pop?: Record<string, unknown>;
  readonly load?: readonly string[];
  readonly plugins?: Record<string, unknown>;
}

/** A started kernel with the HTTP door on 127.0.0.1:0, stopped at teardown. */
export async function httpBroker(t: ExecutionContext, options: HttpBrokerOptions = {}): Promise<HttpBroker> {
  const { kernel } = await testKernel(t, {
    values: {
      load: [...(options.load ?? HTTP_LOAD)],
      plugins: {
        http: { host: '127.0.0.1', port: 0, ...options.http },
        messaging: { ...options.messaging },
        pop: { ...options.pop },
        ...options.plugins,
      },
    },
  });
  await kernel.start();
  const address = kernel.resolve(HTTP_DOOR).address();
  if (address === undefined) throw new Error('the HTTP door is not listening');
  return { kernel, messaging: kernel.resolve(MESSAGING), base: `http://127.0.0.1:${address.port}`, port: address.port };
}

export interface JsonAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** fetch with a JSON body (or none) and a parsed JSON answer. */
export async function call<T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, body: (text.length === 0 ? undefined : JSON.parse(text)) as T, headers: res.headers };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A node:http request where the body is written by `write` (or not at all): for raw, chunked and header-only cases. */
export function rawRequest(port: number, options: { method: string; path: string; headers?: Record<string, string | number> }, write?: (req: import('node:http').ClientRequest) => void): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method, path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (write === undefined) req.end();
    else write(req);
  });
}

/** Open a TCP connection to the door (for slow-header cases); destroyed at teardown. */
export function connect(t: ExecutionContext, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    t.teardown(() => void socket.destroy());
  });
}
