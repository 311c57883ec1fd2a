import type { Logger } from 'pino';
import type { Hono } from 'hono';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { Door, GroupMember } from '../../kernel/messaging/door.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import type { MessageStore } from '../../kernel/messaging/store.js';
import type { Clock } from '../../kernel/services.js';
import { createApp } from './app.js';
import type { HttpConfig } from './config.js';
import type { HttpExtension, HttpExtensionFactory } from './extension.js';
import type { Route, RouteDeps } from './route.js';
import { apiRoutes } from './routes/index.js';
import { createHttpServer, type HttpServer } from './server.js';
import type { HttpDoor, UpgradeHandler } from './tokens.js';
import { CometError } from '../../kernel/errors.js';

export interface HttpDoorDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly logger: Logger;
  /** For /readyz (the store is open); without one readiness ignores the store. */
  readonly store?: Pick<MessageStore, 'stats'>;
  /** Every registered door's members of a group (the plugin passes DOOR_REGISTRY's doors). */
  readonly doors?: () => readonly Door[];
}

/** The HTTP door: one node:http server with the REST API, the extensions' routes and upgrades. */
export interface HttpDoorInstance extends HttpDoor {
  readonly app: Hono;
  readonly routes: readonly Route[];
  readonly extensions: readonly HttpExtension[];
  readonly server: HttpServer;
  /** Registered in DOOR_REGISTRY: the kernel stops it before any plugin. */
  readonly door: Door;
  start(): Promise<{ host: string; port: number }>;
  /** stopAccepting + drain (idempotent). */
  stop(deadline: number): Promise<void>;
}

export function createHttpDoor(deps: HttpDoorDeps, config: HttpConfig, factories: readonly HttpExtensionFactory[]): HttpDoorInstance {
  const { logger, clock } = deps;
  const shutdown = new AbortController();
  let started = false;
  let accepting = true;
  const notReadyReason = (): string | undefined => {
    if (!started) return 'the HTTP door has not started';
    if (!accepting) return 'shutting down';
    if (deps.store !== undefined && !deps.store.stats().writable) return 'the message store is not open';
    return undefined;
  };
  const members = (group: string): readonly GroupMember[] =>
    deps.doors === undefined ? door.members!(group) : deps.doors().flatMap((d) => d.members?.(group) ?? []);
  const routeDeps: RouteDeps = { messaging: deps.messaging, pop: deps.pop, config, clock, logger, notReadyReason, members, shutdownSignal: shutdown.signal };
  const extensions = factories.map((factory) => factory({ messaging: deps.messaging, pop: deps.pop, config, clock, logger }));
  const routes = apiRoutes(routeDeps, () => Object.assign({}, ...extensions.map((e) => e.openapiPaths ?? {})));
  const app = createApp(routes, routeDeps, extensions, logger);
  const mounted = new Map<string, UpgradeHandler>();
  const server = createHttpServer(config, app, extensions, clock, logger, mounted);
  let drained: Promise<void> | undefined;

  const stopAccepting = async (): Promise<void> => {
    if (!accepting) return;
    accepting = false;
    server.stopAccepting();
    for (const e of extensions) e.stopAccepting?.();
  };
  const drain = (deadline: number): Promise<void> =>
    (drained ??= (async () => {
      await stopAccepting();
      shutdown.abort(); // long polls answer now (empty) instead of holding the shutdown
      await Promise.all([server.drain(deadline), ...extensions.map((e) => e.drain?.(deadline))]);
      logger.info('HTTP door closed');
    })());
  const door: Door = {
    name: 'http',
    addresses: () => {
      const a = server.address();
      return a === undefined ? [] : [`http://${a.host}:${a.port}`];
    },
    stopAccepting,
    drain,
    members: (group) => extensions.flatMap((e) => e.members?.(group) ?? []),
  };
  return {
    app,
    routes,
    extensions,
    server,
    door,
    address: () => server.address(),
    mountUpgrade(path, handler) {
      if (mounted.has(path) || extensions.some((e) => e.upgradePaths?.includes(path) === true)) {
        throw new CometError('CONFIG_INVALID', `the HTTP door already serves upgrades at ${path}`);
      }
      if (!path.startsWith('/')) throw new CometError('CONFIG_INVALID', `upgrade path ${JSON.stringify(path)} must start with /`);
      mounted.set(path, handler);
      return () => void mounted.delete(path);
    },
    async start() {
      const bound = await server.listen();
      started = true;
      logger.info({ host: bound.host, port: bound.port, extensions: extensions.map((e) => e.name) }, `HTTP door listening on ${bound.host}:${bound.port}`);
      return bound;
    },
    async stop(deadline) {
      await drain(deadline);
    },
  };
}
