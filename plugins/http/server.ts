import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { CometError, ERRORS, type ErrorCode } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/services.js';
import { declaredLength } from './body.js';
import type { HttpConfig } from './config.js';
import { errorJson } from './errors.js';
import type { HttpExtension } from './extension.js';
import type { UpgradeHandler } from './tokens.js';

/** The one node:http server of the HTTP door: REST through hono, upgrades to the matching extension. */
export interface HttpServer {
  listen(): Promise<{ host: string; port: number }>;
  address(): { host: string; port: number } | undefined;
  /** Stop listening; later requests on open connections get 503 and `Connection: close`. */
  stopAccepting(): void;
  /** Wait for in-flight requests until `deadline` (Clock.monotonic), then close every connection. */
  drain(deadline: number): Promise<void>;
  /** Requests being answered now. */
  inflight(): number;
}

/** How often node checks headersTimeout / requestTimeout (its default, 30 s, would let a slow client hold far longer). */
function checkingIntervalMs(config: HttpConfig): number {
  return Math.max(10, Math.min(1000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4)));
}

export function createHttpServer(config: HttpConfig, app: Hono, extensions: readonly HttpExtension[], clock: Clock, logger: Logger, mounted: ReadonlyMap<string, UpgradeHandler> = new Map()): HttpServer {
  const listener = getRequestListener(app.fetch);
  let accepting = true;
  let bound: { host: string; port: number } | undefined;
  let active = 0;
  const idle: (() => void)[] = [];

  const answerDirect = (res: ServerResponse, code: ErrorCode, message: string): void => {
    res.writeHead(ERRORS[code].httpStatus, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(errorJson(code, message));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!accepting) return answerDirect(res, 'SERVICE_UNAVAILABLE', 'the broker is shutting down');
    const length = declaredLength(req);
    if (length !== undefined && length > config.maxBodyBytes) {
      // Answered from the headers alone: the body is never read, the connection closes after the answer.
      return answerDirect(res, 'HTTP_BODY_TOO_LARGE', `the request body is ${length} bytes, over the limit of ${config.maxBodyBytes} bytes (plugins.http.maxBodyBytes)`);
    }
    active++;
    res.once('close', () => {
      active--;
      if (active === 0) for (const wake of idle.splice(0)) wake();
    });
    void listener(req, res);
  };

  const server: Server = createServer(
    {
      headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      maxHeaderSize: config.maxHeaderBytes,
      connectionsCheckingInterval: checkingIntervalMs(config),
    },
    onRequest,
  );
  // curl sends `Expect: 100-continue` for large bodies: refuse an oversized one before it is sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const length = declaredLength(req);
    if (accepting && (length === undefined || length <= config.maxBodyBytes)) res.writeContinue();
    onRequest(req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrade(req, socket, head));

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const extension = extensions.find((e) => e.upgrade !== undefined && e.upgradePaths?.includes(path) === true);
    const handler = mounted.get(path) ?? extension?.upgrade?.bind(extension);
    if (!accepting) return refuseUpgrade(socket, 'SERVICE_UNAVAILABLE', 'the broker is shutting down');
    if (handler === undefined) return refuseUpgrade(socket, 'HTTP_ROUTE_NOT_FOUND', `no upgrade endpoint at ${path}`);
    try {
      handler(req, socket, head);
    } catch (err) {
      logger.error({ err, extension: extension?.name, path }, 'upgrade handler failed');
      socket.destroy();
    }
  };

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(new CometError('HTTP_LISTEN_FAILED', `cannot listen on ${config.host}:${config.port}: ${err.message}`, { cause: err }));
        server.once('error', onError);
        server.listen(config.port, config.host, () => {
          server.off('error', onError);
          server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
          const info: AddressInfo | string | null = server.address();
          bound = { host: config.host, port: typeof info === 'object' && info !== null ? info.port : config.port };
          resolve(bound);
        });
      }),
    address: () => bound,
    stopAccepting() {
      if (!accepting) return;
      accepting = false;
      if (server.listening) server.close();
      server.closeIdleConnections();
    },
    async drain(deadline) {
      if (active > 0) {
        let timer: ReturnType<Clock['setTimeout']> | undefined;
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          timer = clock.setTimeout(resolve, Math.max(0, deadline - clock.monotonic()));
        });
        timer?.cancel();
      }
      server.closeAllConnections();
      bound = undefined;
    },
    inflight: () => active,
  };
}

function refuseUpgrade(socket: Duplex, code: ErrorCode, message: string): void {
  const body = errorJson(code, message);
  const status = ERRORS[code].httpStatus;
  const reason = status === 404 ? 'Not Found' : 'Service Unavailable';
  const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  socket.end(head + body, () => socket.destroy());
}
