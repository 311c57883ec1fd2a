import { z } from 'zod';
import { openApiDocument, type OpenApiDocument } from '../openapi.js';
import { defineRoute, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { adminReadRoutes } from './admin-read.js';
import { adminWriteRoutes } from './admin-write.js';
import { healthRoutes } from './health.js';
import { messageRoutes } from './messages.js';
import { popRoutes } from './pop.js';
import { replayRoutes } from './replay.js';

export const API_VERSION = '1.0.0';

/** The route table of the REST API, the OpenAPI route included (it documents itself). */
export function apiRoutes(deps: RouteDeps, extraPaths: () => Readonly<Record<string, Readonly<Record<string, unknown>>>> = () => ({})): Route[] {
  const routes: Route[] = [...messageRoutes(deps), ...popRoutes(deps), ...replayRoutes(deps), ...adminReadRoutes(deps), ...adminWriteRoutes(deps), ...healthRoutes(deps)];
  let doc: OpenApiDocument | undefined;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/v1/openapi.json',
      operationId: 'openapi',
      tag: 'meta',
      summary: 'This API as an OpenAPI 3.1 document (generated from the validation schemas)',
      responses: [{ status: 200, description: 'The document', schema: z.object({ openapi: z.string() }).loose() }],
      handle: () => jsonResponse((doc ??= openApiDocument(routes, API_VERSION, extraPaths()))),
    }),
  );
  return routes;
}
