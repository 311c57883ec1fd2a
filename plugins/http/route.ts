import type { GroupMember } from '../../kernel/messaging/door.js';
import { IncomingMessage } from 'node:http';
import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CometError } from '../../kernel/errors.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { PopService } from '../../kernel/messaging/pop.js';
import type { Clock } from '../../kernel/services.js';
import { parseJson, readBody } from './body.js';
import type { HttpConfig } from './config.js';
import { validationError } from './errors.js';
import { isLoopbackAddress } from './loopback.js';

/** What route handlers need: the kernel services, the config, and the door's state. */
export interface RouteDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly config: HttpConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `/readyz`: undefined when ready, else why not. */
  readonly notReadyReason: () => string | undefined;
  /** Every door's consumers of a group (native clients, WebSocket subscribers). */
  readonly members: (group: string) => readonly GroupMember[];
  /** Aborted when the door drains: long polls answer at once. */
  readonly shutdownSignal: AbortSignal;
}

export type Method = 'get' | 'post' | 'put';

/** One documented response of a route (schemas are documentation: the OpenAPI document). */
export interface ResponseDoc {
  readonly status: number;
  readonly description: string;
  readonly schema?: z.ZodType;
}

export interface RequestInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  /** The validated JSON body (`undefined` for routes without a body schema). */
  readonly body: B;
  /** Aborted when the client goes away or the door drains. */
  readonly signal: AbortSignal;
  readonly incoming: IncomingMessage;
  readonly c: Context;
}

/**
 * A route: its method and OpenAPI path, the zod schemas that validate path, query and JSON body
 * (and generate /v1/openapi.json, so the document and the validation cannot drift), and a thin
 * handler. `customBody` is for handlers that parse the body themselves (produce: JSON or raw bytes)
 * with the schema given here.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly method: Method;
  /** OpenAPI form: `/v1/topics/{topic}/messages`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly customBody?: { readonly json: z.ZodType; readonly rawDescription: string };
  /** Accepted only from loopback (HTTP_FORBIDDEN_REMOTE_ADMIN otherwise). */
  readonly adminWrite?: boolean;
  readonly responses: readonly ResponseDoc[];
  handle(input: RequestInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<Response> | Response;
}

/** A route with its types erased: what the table, the app and the OpenAPI builder hold. */
export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string | undefined;
  readonly tag: string;
  readonly params: z.ZodType | undefined;
  readonly query: z.ZodType | undefined;
  readonly body: z.ZodType | undefined;
  readonly customBody: { readonly json: z.ZodType; readonly rawDescription: string } | undefined;
  readonly adminWrite: boolean;
  readonly responses: readonly ResponseDoc[];
  /** Validate and run (errors are thrown as CometErrors). */
  run(c: Context, deps: RouteDeps): Promise<Response>;
}

const NO_INPUT = z.object({});

export function defineRoute<P extends z.ZodType = typeof NO_INPUT, Q extends z.ZodType = typeof NO_INPUT, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): Route {
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    description: spec.description,
    tag: spec.tag,
    params: spec.params,
    query: spec.query,
    body: spec.body,
    customBody: spec.customBody,
    adminWrite: spec.adminWrite === true,
    responses: spec.responses,
    async run(c, deps) {
      const incoming = nodeIncoming(c);
      if (spec.adminWrite === true) checkLoopback(incoming);
      const params = validate<P>(spec.params, c.req.param(), 'path');
      const query = validate<Q>(spec.query, c.req.query(), 'query');
      const body = spec.body === undefined ? undefined : await jsonBody(spec.body, incoming, deps.config.maxBodyBytes);
      return spec.handle(new Input(params, query, body as z.output<B>, incoming, c, deps.shutdownSignal));
    },
  };
}

/** A class (not an object literal with a getter, which costs ~15 µs per request in V8 here). */
class Input<P, Q, B> implements RequestInput<P, Q, B> {
  #signal: AbortSignal | undefined;

  constructor(
    readonly params: P,
    readonly query: Q,
    readonly body: B,
    readonly incoming: IncomingMessage,
    readonly c: Context,
    private readonly shutdownSignal: AbortSignal,
  ) {}

  /** Built on first use: only long polls need it. */
  get signal(): AbortSignal {
    return (this.#signal ??= AbortSignal.any([this.c.req.raw.signal, this.shutdownSignal]));
  }
}

function validate<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> {
  const parsed = (schema ?? NO_INPUT).safeParse(value);
  if (!parsed.success) throw validationError(where, parsed.error.issues);
  return parsed.data as z.output<S>;
}

/** Read (bounded), parse and validate a JSON body, whatever the content type (plain `curl -d` sends form-urlencoded). */
export async function jsonBody<S extends z.ZodType>(schema: S, incoming: IncomingMessage, limit: number): Promise<z.output<S>> {
  return validate(schema, parseJson(await readBody(incoming, limit)), 'body');
}

/** The node request under a hono context (@hono/node-server passes it as `env.incoming`). */
export function nodeIncoming(c: Context): IncomingMessage {
  const env: unknown = c.env;
  if (typeof env === 'object' && env !== null && 'incoming' in env) {
    if (env.incoming instanceof IncomingMessage) return env.incoming;
  }
  throw new CometError('INTERNAL', 'the HTTP door runs only on @hono/node-server (no node request in the context)');
}

export function checkLoopback(incoming: IncomingMessage): void {
  const remote = incoming.socket.remoteAddress;
  if (!isLoopbackAddress(remote)) {
    throw new CometError('HTTP_FORBIDDEN_REMOTE_ADMIN', `admin writes are accepted only from loopback (this request came from ${remote ?? 'an unknown address'})`);
  }
}

/** `/v1/topics/{topic}` → `/v1/topics/:topic`. */
export function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export function mountRoutes(app: Hono, routes: readonly Route[], deps: RouteDeps): void {
  for (const route of routes) app.on(route.method.toUpperCase(), honoPath(route.path), (c) => route.run(c, deps));
}

/** A JSON response with any status (hono's c.json types statuses narrowly). */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
