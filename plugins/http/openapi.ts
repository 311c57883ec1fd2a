import { z } from 'zod';
import type { Route } from './route.js';
import { errorSchema } from './schemas.js';

type JsonObject = Record<string, unknown>;

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, JsonObject>>;
  readonly components: { readonly schemas: Record<string, JsonObject> };
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, without the `$schema` key. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const js = jsonSchema(schema, 'input');
  const required = new Set(Array.isArray(js['required']) ? js['required'].map(String) : []);
  const props = (js['properties'] ?? {}) as Record<string, JsonObject>;
  const out: JsonObject[] = Object.entries(props).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description === undefined ? {} : { description }) };
  });
  const extra = js['additionalProperties'];
  if (typeof extra === 'object' && extra !== null) {
    const { description, ...rest } = extra as JsonObject;
    out.push({ name: 'additional', in: where, style: 'form', explode: true, schema: { type: 'object', additionalProperties: rest }, ...(description === undefined ? {} : { description }) });
  }
  return out;
}

function requestBody(route: Route): JsonObject | undefined {
  if (route.body !== undefined) return { required: false, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
  if (route.customBody !== undefined) {
    return {
      required: true,
      content: {
        'application/json': { schema: jsonSchema(route.customBody.json, 'input') },
        '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' }, description: route.customBody.rawDescription },
      },
    };
  }
  return undefined;
}

function responses(route: Route): JsonObject {
  const out: JsonObject = {};
  for (const r of route.responses) {
    const schema = r.schema === undefined ? undefined : r.schema === errorSchema ? ERROR_REF : jsonSchema(r.schema, 'output');
    out[String(r.status)] = { description: r.description, ...(schema === undefined ? {} : { content: { 'application/json': { schema } } }) };
  }
  out['default'] = { description: 'Any error: {"error":{"code","message"}} with the status of the code (docs/errors.md)', content: { 'application/json': { schema: ERROR_REF } } };
  return out;
}

/**
 * The OpenAPI 3.1 document of the route table: paths, parameters and bodies come from the same
 * zod schemas the routes validate with.
 */
export function openApiDocument(routes: readonly Route[], version: string, extraPaths: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {}): OpenApiDocument {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const [path, item] of Object.entries(extraPaths)) paths[path] = { ...(item as Record<string, JsonObject>) };
  for (const route of routes) {
    const body = requestBody(route);
    const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
    (paths[route.path] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: [route.tag],
      ...(params.length === 0 ? {} : { parameters: params }),
      ...(body === undefined ? {} : { requestBody: body }),
      ...(route.adminWrite ? { 'x-cometmq-loopback-only': true } : {}),
      responses: responses(route),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'CometMQ HTTP API',
      version,
      description: 'Produce, receive (pop style with receipt handles), replay by offset, and admin. Errors are {"error":{"code","message"}}. See docs/http.md.',
    },
    paths,
    components: { schemas: { Error: jsonSchema(errorSchema, 'output') } },
  };
}
