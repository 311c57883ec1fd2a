import { createRequire } from 'node:module';
import type { ExecutionContext } from 'ava';
import { Client, type IMessage, type StompHeaders } from '@stomp/stompjs';
import { WebSocket } from 'ws';
import { createKernel, type Kernel } from '../../../kernel/kernel.js';
import type { Messaging } from '../../../kernel/messaging/api.js';
import { MESSAGING } from '../../../kernel/tokens.js';
import { tempDir } from '../../../test/helpers/kernel-harness.js';
import { captureLogger, type LogCapture } from '../../../test/helpers/kernel-logs.js';
import { HTTP_DOOR } from '../../http/tokens.js';
import { STOMP_DOOR } from '../tokens.js';

export const STOMP_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop', 'http', 'stomp'] as const;

export interface StompBrokerUnderTest {
  readonly kernel: Kernel;
  readonly messaging: Messaging;
  readonly logs: LogCapture;
  /** TCP port of the STOMP door. */
  readonly port: number;
  /** ws://127.0.0.1:<http port>/stomp */
  readonly wsUrl: string;
}

/** A kernel with the STOMP door (TCP on 127.0.0.1:0, WebSocket on the HTTP door's port 0); stopped at teardown. */
export async function startStompBroker(t: ExecutionContext, plugins: Record<string, Record<string, unknown>> = {}): Promise<StompBrokerUnderTest> {
  const dataDir = await tempDir(t, 'cometmq-stomp-');
  const logs = captureLogger();
  const kernel = createKernel({
    logger: logs.logger,
    plugins: [],
    config: {
      defaults: { load: [] },
      values: { dataDir, load: [...STOMP_LOAD], plugins: { ...plugins, http: { host: '127.0.0.1', port: 0 }, stomp: { host: '127.0.0.1', port: 0, ...plugins.stomp } } },
      env: {},
      flags: {},
      file: undefined,
      cwd: dataDir,
    },
  });
  t.teardown(() => kernel.stop('test').then(() => undefined));
  await kernel.start();
  const port = kernel.resolve(STOMP_DOOR).address()!.port;
  const http = kernel.resolve(HTTP_DOOR).address()!.port;
  return { kernel, messaging: kernel.resolve(MESSAGING), logs, port, wsUrl: `ws://127.0.0.1:${http}/stomp` };
}

/** A connected @stomp/stompjs client over WebSocket (deactivated at teardown). */
export async function stompjs(t: ExecutionContext, url: string, connectHeaders: StompHeaders = {}): Promise<Client> {
  const client = new Client({
    webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']),
    reconnectDelay: 0,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    connectHeaders,
  });
  t.teardown(() => client.deactivate());
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (f) => reject(new Error(`STOMP ERROR: ${f.headers.message} ${f.body}`));
    client.onWebSocketError = () => reject(new Error('WebSocket error'));
    client.activate();
  });
  return client;
}

export type { IMessage };

/** The slice of `stompit` (no type declarations) these tests use. */
export interface StompitMessage {
  readString(encoding: string, cb: (err: Error | null, body?: string) => void): void;
  readonly headers: Record<string, string>;
}
export interface StompitWritable {
  write(chunk: string | Buffer): void;
  end(): void;
}
export interface StompitTransaction {
  send(headers: Record<string, string>): StompitWritable;
  commit(): void;
  abort(): void;
}
export interface StompitClient {
  send(headers: Record<string, string>, options?: { onReceipt?: () => void }): StompitWritable;
  subscribe(headers: Record<string, string>, cb: (err: Error | null, message: StompitMessage) => void): { unsubscribe(): void };
  ack(message: StompitMessage): void;
  nack(message: StompitMessage): void;
  begin(headers?: Record<string, string>): StompitTransaction;
  disconnect(cb?: (err?: Error) => void): void;
  destroy(err?: Error): void;
  on(event: 'error', cb: (err: Error) => void): void;
}
interface Stompit {
  connect(options: { host: string; port: number; connectHeaders: Record<string, string> }, cb: (err: Error | null, client: StompitClient) => void): void;
}
export const stompit = createRequire(import.meta.url)('stompit') as Stompit;

/** A connected stompit client over TCP (destroyed at teardown). */
export function stompitConnect(t: ExecutionContext, port: number, headers: Record<string, string> = {}): Promise<StompitClient> {
  return new Promise((resolve, reject) => {
    stompit.connect({ host: '127.0.0.1', port, connectHeaders: { host: '/', 'accept-version': '1.2', 'heart-beat': '0,0', ...headers } }, (err, client) => {
      if (err) return reject(err);
      client.on('error', () => undefined);
      t.teardown(() => client.destroy());
      resolve(client);
    });
  });
}

export function readBody(m: StompitMessage): Promise<string> {
  return new Promise((resolve, reject) => m.readString('utf-8', (err, body) => (err ? reject(err) : resolve(body ?? ''))));
}

/** stompit SEND with a receipt: resolves when the broker acknowledged it. */
export function sendWithReceipt(client: StompitClient, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve) => {
    const frame = client.send(headers, { onReceipt: () => resolve() });
    frame.write(body);
    frame.end();
  });
}

/** Resolves once every frame this client sent before is handled (frames run in order; a receipted SEND to a topic nobody reads). */
export function synced(client: StompitClient): Promise<void> {
  return sendWithReceipt(client, { destination: '/topic/Sync' }, '');
}

/** The same for a @stomp/stompjs client. */
export function syncedJs(client: Client): Promise<void> {
  const receipt = `sync-${Math.random().toString(36).slice(2)}`;
  return new Promise<void>((resolve) => {
    client.watchForReceipt(receipt, () => resolve());
    client.publish({ destination: '/topic/Sync', body: '', headers: { receipt } });
  });
}
