import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { GroupMember } from '../../kernel/messaging/door.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import type { Clock } from '../../kernel/services.js';
import type { HttpConfig } from './config.js';

/**
 * How the WebSocket door (plugins/http/ws/) and the SSE endpoint (plugins/http/sse.ts) plug into
 * the HTTP door's one server and port: the HTTP plugin creates the server, mounts every
 * extension's routes on its hono app under the same error handling, and hands upgrade requests to
 * the extension whose path matches. Extensions never listen themselves.
 */
export interface HttpExtensionDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly config: HttpConfig;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface HttpExtension {
  readonly name: string;
  /** Add routes to the app (before the 404 fallback). Errors thrown as CometError become JSON errors. */
  routes?(app: Hono): void;
  /** OpenAPI 3.1 path items of what this extension serves (merged into /v1/openapi.json). */
  readonly openapiPaths?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Upgrade paths this extension serves (exact match, e.g. `/v1/ws`). */
  readonly upgradePaths?: readonly string[];
  /** Take over an upgrade request for one of upgradePaths (the socket is the extension's from here). */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The group's consumers with a session in this extension (WebSocket subscribers). */
  members?(group: string): readonly GroupMember[];
  /** Shutdown step 1: refuse new upgrades / streams. */
  stopAccepting?(): void;
  /** Shutdown step 2: close what is open (WebSocket close 1001, end SSE streams) by `deadline` (Clock.monotonic). */
  drain?(deadline: number): Promise<void>;
}

export type HttpExtensionFactory = (deps: HttpExtensionDeps) => HttpExtension;
