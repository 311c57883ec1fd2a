import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { ExecutionContext } from 'ava';
import { Hono } from 'hono';
import { WebSocket } from 'ws';
import { CometError, ERRORS } from '../../../kernel/errors.js';
import type { Kernel } from '../../../kernel/kernel.js';
import type { Messaging } from '../../../kernel/messaging/api.js';
import type { PopService } from '../../../kernel/messaging/pop.js';
import type { Clock } from '../../../kernel/services.js';
import { CLOCK, MESSAGING, POP } from '../../../kernel/tokens.js';
import { testKernel } from '../../../test/helpers/kernel-harness.js';
import type { LogCapture } from '../../../test/helpers/kernel-logs.js';
import { once } from '../../../test/helpers/wait.js';
import { httpConfig, type HttpConfig } from '../config.js';
import type { HttpExtension, HttpExtensionDeps, HttpExtensionFactory } from '../extension.js';

/** The plugins an extension needs: store, messaging and the pop service. */
export const EXT_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop'] as const;

export interface ExtHarnessOptions {
  readonly factories: readonly HttpExtensionFactory[];
  /** The `plugins.http` slice (defaults for everything else). */
  readonly http?: Parameters<typeof httpConfig>[0];
  /** Other plugin slices, e.g. `{ messaging: { delayLevels: '100ms 1h' } }`. */
  readonly plugins?: Record<string, Record<string, unknown>>;
}

export interface ExtHarness {
  readonly kernel: Kernel;
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly config: HttpConfig;
  readonly logs: LogCapture;
  readonly extensions: readonly HttpExtension[];
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsBase: string;
  /** stopAccepting + drain every extension (also done at teardown). */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * A started kernel (EXT_LOAD) and a node:http server on 127.0.0.1:0 standing in for the HTTP door:
 * hono (via @hono/node-server) serves the extensions' routes, 'upgrade' goes to the extension whose
 * upgradePaths match. Everything stops at teardown (extensions drained, server closed, kernel stopped).
 */
export async function extHarness(t: ExecutionContext, options: ExtHarnessOptions): Promise<ExtHarness> {
  const { kernel, logs } = await testKernel(t, { values: { load: [...EXT_LOAD], plugins: { ...options.plugins } } });
  await kernel.start();
  const messaging = kernel.resolve(MESSAGING);
  const pop = kernel.resolve(POP);
  const clock = kernel.resolve(CLOCK);
  const config = httpConfig({ host: '127.0.0.1', port: 0, ...options.http });
  const deps: HttpExtensionDeps = { messaging, pop, config, clock, logger: logs.logger };
  const extensions = options.factories.map((f) => f(deps));
  const server = http.createServer(getRequestListener(createApp(extensions).fetch));
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const extension = extensions.find((e) => e.upgradePaths?.includes(path) === true);
    if (extension?.upgrade === undefined) return void socket.destroy();
    extension.upgrade(req, socket, head);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  const shutdown = (graceMs = 2000): Promise<void> => {
    stopped ??= (async () => {
      for (const e of extensions) e.stopAccepting?.();
      await Promise.all(extensions.map((e) => e.drain?.(clock.monotonic() + graceMs)));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return stopped;
  };
  t.teardown(() => shutdown());
  return { kernel, messaging, pop, clock, config, logs, extensions, baseUrl: `http://127.0.0.1:${port}`, wsBase: `ws://127.0.0.1:${port}`, shutdown };
}

function createApp(extensions: readonly HttpExtension[]): Hono {
  const app = new Hono();
  for (const e of extensions) e.routes?.(app);
  app.onError((err) => {
    const e = err instanceof CometError ? err : new CometError('INTERNAL', 'internal error');
    return new Response(JSON.stringify({ error: { code: e.code, message: e.message } }), {
      status: ERRORS[e.code].httpStatus,
      headers: { 'content-type': 'application/json' },
    });
  });
  return app;
}

// ── a small WebSocket test client ─────────────────────────────────────────────────────────────

export type Frame = Record<string, unknown> & { readonly op: string };

/**
 * A `ws` client that records every frame it receives and lets a test wait for the next frame that
 * matches (bounded). Closed at teardown.
 */
export class WsClient {
  readonly socket: WebSocket;
  readonly frames: Frame[] = [];
  readonly #waiters = new Set<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }>();
  #cursor = 0;
  closeCode: number | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      for (const w of [...this.#waiters]) {
        if (w.match(frame)) {
          this.#waiters.delete(w);
          w.resolve(frame);
        }
      }
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  static async open(t: ExecutionContext, url: string): Promise<WsClient> {
    const socket = new WebSocket(url);
    const client = new WsClient(socket);
    t.teardown(() => client.terminate());
    await once(socket, 'open');
    return client;
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  /**
   * The first frame matching `match` after the frame the previous next() returned (a read cursor,
   * so a frame that arrived before the call is not missed), waiting for it if needed.
   */
  next(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    for (let i = this.#cursor; i < this.frames.length; i++) {
      const frame = this.frames[i]!;
      if (match(frame)) {
        this.#cursor = i + 1;
        return Promise.resolve(frame);
      }
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          this.#cursor = this.frames.indexOf(f) + 1;
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms; last frames: ${JSON.stringify(this.frames.slice(-3))}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Send a frame with `id` and wait for the frame answering it (same id). */
  async request(frame: Record<string, unknown> & { id: string }, timeoutMs = 5000): Promise<Frame> {
    const answer = this.next((f) => f.id === frame.id, timeoutMs);
    this.send(frame);
    return answer;
  }

  async subscribe(frame: Record<string, unknown>, id = `sub-${Math.random().toString(36).slice(2)}`): Promise<string> {
    const answer = await this.request({ op: 'subscribe', id, ...frame });
    if (answer.op !== 'subscribed') throw new Error(`subscribe failed: ${JSON.stringify(answer)}`);
    return String(answer.subscription);
  }

  messages(subscription?: string): Frame[] {
    return this.frames.filter((f) => f.op === 'message' && (subscription === undefined || f.subscription === subscription));
  }

  /** Wait for the close event; returns its code. */
  async closed(timeoutMs = 5000): Promise<number> {
    if (this.closeCode !== undefined) return this.closeCode;
    const [code] = await once(this.socket, 'close', { timeoutMs });
    return code as number;
  }

  terminate(): void {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
  }
}
