import { z } from 'zod';
import { CometError } from '../../../kernel/errors.js';
import { defineRoute, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { errorResponses } from '../schemas.js';

/** Liveness and readiness probes (outside /v1, as load balancers expect). */
export function healthRoutes(deps: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      tag: 'health',
      summary: 'Liveness: the process answers',
      responses: [{ status: 200, description: 'Up', schema: z.object({ status: z.literal('ok') }) }],
      handle: () => jsonResponse({ status: 'ok' }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      tag: 'health',
      summary: 'Readiness: the kernel started this door, the store is open and the door is not shutting down',
      responses: [{ status: 200, description: 'Ready', schema: z.object({ status: z.literal('ready') }) }, ...errorResponses(503)],
      handle() {
        const reason = deps.notReadyReason();
        if (reason !== undefined) throw new CometError('SERVICE_UNAVAILABLE', `not ready: ${reason}`);
        return jsonResponse({ status: 'ready' });
      },
    }),
  ];
}
