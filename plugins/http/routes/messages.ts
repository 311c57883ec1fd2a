import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { CometError } from '../../../kernel/errors.js';
import type { ProduceRequest } from '../../../kernel/messaging/api.js';
import type { AppendResult } from '../../../kernel/messaging/store.js';
import { isJsonContentType, readBody } from '../body.js';
import { delayLevelFor } from '../delay.js';
import { decodeBody, encodingSchema, isBase64, splitKeys } from '../encoding.js';
import { batchStatus, errorBody, validationError } from '../errors.js';
import { defineRoute, jsonBody, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { errorObjectSchema, errorResponses, intQuery, topicParam } from '../schemas.js';

const keysSchema = z.union([z.string(), z.array(z.string())]).describe('Business keys (indexed for GET /v1/topics/{topic}/messages?key=): an array, or one string separated by commas or spaces.');

export const produceMessageSchema = z
  .strictObject({
    body: z.string().describe('The message body: UTF-8 text, or base64 with "encoding": "base64".'),
    encoding: encodingSchema.optional().describe('utf8 (default) or base64.'),
    tag: z.string().min(1).optional().describe('The RocketMQ tag consumers filter on.'),
    keys: keysSchema.optional(),
    properties: z.record(z.string(), z.string()).optional().describe('User properties.'),
    shardingKey: z.string().min(1).optional().describe('Messages with the same sharding key go to the same queue (FIFO per key).'),
    delayLevel: z.number().int().min(0).optional().describe('Delay level 1..N of plugins.messaging.delayLevels (1s 5s 10s 30s 1m … 2h by default); 0 = none.'),
    deliverAt: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Epoch ms: mapped to the smallest delay level whose delay is at least the wait (never early; a past time = no delay; beyond the longest level = MESSAGE_INVALID).'),
  })
  .superRefine((m, ctx) => {
    if (m.delayLevel !== undefined && m.deliverAt !== undefined) ctx.addIssue({ code: 'custom', path: ['deliverAt'], message: 'give delayLevel or deliverAt, not both' });
    if (m.encoding === 'base64' && !isBase64(m.body)) ctx.addIssue({ code: 'custom', path: ['body'], message: 'not valid base64' });
  });

export function produceBodySchema(maxBatchMessages: number) {
  return z.strictObject({ messages: z.array(produceMessageSchema).min(1).max(maxBatchMessages) });
}

/** Raw-message metadata, from the query (`property.<name>=v`) or from `x-cometmq-*` headers; the query wins. */
export const rawMetaSchema = z
  .object({
    tag: z.string().min(1).optional(),
    keys: z.string().optional().describe('Comma-separated keys.'),
    shardingKey: z.string().min(1).optional(),
    delayLevel: intQuery(0).optional(),
    deliverAt: intQuery(0).optional(),
  })
  .catchall(z.string().describe('property.<name>=<value>: a user property of a raw message.'))
  .superRefine((q, ctx) => {
    for (const key of Object.keys(q)) {
      if (!KNOWN_META.has(key) && !key.startsWith('property.')) ctx.addIssue({ code: 'custom', path: [key], message: 'unknown parameter (properties are property.<name>)' });
    }
    if (q.delayLevel !== undefined && q.deliverAt !== undefined) ctx.addIssue({ code: 'custom', path: ['deliverAt'], message: 'give delayLevel or deliverAt, not both' });
  });
const KNOWN_META = new Set(['tag', 'keys', 'shardingKey', 'delayLevel', 'deliverAt']);
const HEADER_META: Readonly<Record<string, string>> = {
  'x-cometmq-tag': 'tag',
  'x-cometmq-keys': 'keys',
  'x-cometmq-sharding-key': 'shardingKey',
  'x-cometmq-delay-level': 'delayLevel',
  'x-cometmq-deliver-at': 'deliverAt',
};
const HEADER_PROPERTY = 'x-cometmq-property-';

const resultSchema = z.union([
  z.object({ msgId: z.string(), queueId: z.number().int(), queueOffset: z.number().int() }),
  z.object({ error: errorObjectSchema }),
]);
const produceAnswerSchema = z.object({ results: z.array(resultSchema).describe('One per message, in request order.') });

type MessageFields = z.output<typeof produceMessageSchema>;
type RawMeta = z.output<typeof rawMetaSchema>;

export function messageRoutes(deps: RouteDeps): Route[] {
  const { config } = deps;
  const bodySchema = produceBodySchema(config.maxBatchMessages);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/topics/{topic}/messages',
      operationId: 'produce',
      tag: 'messages',
      summary: 'Produce messages (a JSON batch, or one raw message of any other content type)',
      description:
        'With Content-Type application/json: a batch `{"messages":[…]}`. Any other content type: the body bytes are one message; tag, keys and properties come from the query (`tag`, `keys`, `property.<name>`) or from `x-cometmq-tag`, `x-cometmq-keys`, `x-cometmq-property-<name>` headers. Each message is stored or refused on its own: 200 when all were stored, 207 when some were, else the error status.',
      params: z.object({ topic: topicParam }),
      query: rawMetaSchema,
      customBody: { json: bodySchema, rawDescription: 'One message: the body bytes as they are.' },
      responses: [
        { status: 200, description: 'Every message stored', schema: produceAnswerSchema },
        { status: 207, description: 'Some messages stored: each result says which', schema: produceAnswerSchema },
        ...errorResponses(400, 404, 413, 503),
      ],
      async handle({ params, query, incoming }) {
        const prepared = isJsonContentType(incoming.headers['content-type'])
          ? (await jsonBody(bodySchema, incoming, config.maxBodyBytes)).messages.map((m) => fromJson(deps, params.topic, m))
          : [fromRaw(deps, params.topic, await readBody(incoming, Math.min(config.maxBodyBytes, config.maxMessageBytes)), metaOf(query, incoming))];
        const results = await produce(deps, params.topic, prepared);
        const errors = results.map((r) => (r.status === 'rejected' ? r.error : undefined));
        const { status, error } = batchStatus(errors);
        const answer = { results: results.map((r) => (r.status === 'ok' ? { msgId: r.msgId, queueId: r.queueId, queueOffset: r.queueOffset } : errorBody(r.error))) };
        return jsonResponse(error === undefined ? answer : { ...errorBody(error), ...answer }, status);
      },
    }),
  ];
}

/** Send what passed the door's checks in one produceBatch (not all-or-nothing); merge in request order. */
async function produce(deps: RouteDeps, topic: string, prepared: readonly (ProduceRequest | CometError)[]): Promise<AppendResult[]> {
  const requests = prepared.filter((p): p is ProduceRequest => !(p instanceof CometError));
  const stored = requests.length === 0 ? [] : await deps.messaging.produceBatch(topic, requests);
  let next = 0;
  return prepared.map((p) => (p instanceof CometError ? { status: 'rejected', error: p } : stored[next++]!));
}

function fromJson(deps: RouteDeps, topic: string, m: MessageFields): ProduceRequest | CometError {
  const body = decodeBody(m.body, m.encoding);
  return request(deps, topic, body, m);
}

function fromRaw(deps: RouteDeps, topic: string, body: Uint8Array, meta: RawMeta): ProduceRequest | CometError {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) if (key.startsWith('property.') && typeof value === 'string') properties[key.slice('property.'.length)] = value;
  return request(deps, topic, body, { ...meta, properties });
}

interface Fields {
  readonly tag?: string | undefined;
  readonly keys?: string | readonly string[] | undefined;
  readonly properties?: Readonly<Record<string, string>> | undefined;
  readonly shardingKey?: string | undefined;
  readonly delayLevel?: number | undefined;
  readonly deliverAt?: number | undefined;
}

function request(deps: RouteDeps, topic: string, body: Uint8Array, f: Fields): ProduceRequest | CometError {
  if (body.byteLength > deps.config.maxMessageBytes) {
    return new CometError('MESSAGE_TOO_LARGE', `the body is ${body.byteLength} bytes; the limit is ${deps.config.maxMessageBytes}`);
  }
  let delayLevel = f.delayLevel;
  if (f.deliverAt !== undefined) {
    try {
      delayLevel = delayLevelFor(f.deliverAt, deps.clock.now(), deps.messaging.delayLevelsMs?.() ?? []);
    } catch (e) {
      if (e instanceof CometError) return e;
      throw e;
    }
  }
  const keys = splitKeys(f.keys);
  return {
    topic,
    body,
    bornTimestamp: deps.clock.now(),
    ...(f.tag === undefined ? {} : { tags: f.tag }),
    ...(keys === undefined ? {} : { keys }),
    ...(f.properties === undefined || Object.keys(f.properties).length === 0 ? {} : { properties: f.properties }),
    ...(f.shardingKey === undefined ? {} : { shardingKey: f.shardingKey }),
    ...(delayLevel === undefined || delayLevel === 0 ? {} : { delayLevel }),
  };
}

/** Query parameters, with `x-cometmq-*` headers filling what the query leaves out (validated by the same schema). */
function metaOf(query: RawMeta, incoming: IncomingMessage): RawMeta {
  const fromHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value !== 'string') continue;
    const field = HEADER_META[name];
    if (field !== undefined) fromHeaders[field] = value;
    else if (name.startsWith(HEADER_PROPERTY) && name.length > HEADER_PROPERTY.length) fromHeaders[`property.${name.slice(HEADER_PROPERTY.length)}`] = value;
  }
  if (Object.keys(fromHeaders).length === 0) return query;
  const parsed = rawMetaSchema.safeParse(fromHeaders);
  if (!parsed.success) throw validationError('header', parsed.error.issues);
  return { ...parsed.data, ...query };
}
