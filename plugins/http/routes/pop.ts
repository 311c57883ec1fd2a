import { z } from 'zod';
import { CometError } from '../../../kernel/errors.js';
import type { PoppedMessage } from '../../../kernel/messaging/pop.js';
import { parseTagExpression } from '../../../kernel/messaging/tags.js';
import { messageView, messageViewSchema } from '../encoding.js';
import { batchStatus, errorBody } from '../errors.js';
import { defineRoute, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { errorObjectSchema, errorResponses, groupParam, topicParam } from '../schemas.js';

/** Longest invisible time (the pop service's bound: 12 h). */
export const MAX_INVISIBLE_MS = 12 * 3600_000;

const handle = z.string().min(1).max(1024).describe('A receiptHandle exactly as receive returned it.');
const handles = z.array(handle).min(1).max(256);

const receivedSchema = messageViewSchema.extend({
  receiptHandle: z.string(),
  deliveryAttempt: z.number().int().describe('1 for the first delivery, +1 for each redelivery after the invisible time ran out.'),
  invisibleUntil: z.number().int().describe('Epoch ms when the message becomes visible again unless acked or extended.'),
});

const perHandle = <S extends z.ZodRawShape>(ok: S) =>
  z.object({ results: z.array(z.union([z.object({ receiptHandle: z.string(), ...ok }), z.object({ receiptHandle: z.string(), error: errorObjectSchema })])) });

export function popRoutes(deps: RouteDeps): Route[] {
  const { config, pop } = deps;
  const groupTopic = z.object({ group: groupParam, topic: topicParam });
  const group = z.object({ group: groupParam });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/groups/{group}/topics/{topic}/receive',
      operationId: 'receive',
      tag: 'consume',
      summary: 'Receive messages for a group (pop style: no session, each with a receipt handle)',
      description:
        'Long poll: answers as soon as a message is available, or with an empty list after waitMs. Received messages stay invisible to other receives for invisibleMs; ack them (from any connection) or they are delivered again. Closing the connection ends the wait.',
      params: groupTopic,
      body: z.strictObject({
        max: z.number().int().min(1).max(config.receiveMaxMessages).default(config.receiveMaxMessages).describe('Most messages to return.'),
        waitMs: z.number().int().min(0).max(config.receiveMaxWaitMs).default(0).describe('Long poll: how long to wait for a first message.'),
        invisibleMs: z.number().int().min(1).max(MAX_INVISIBLE_MS).default(config.defaultInvisibleMs).describe('How long received messages stay invisible.'),
        tags: z.string().optional().describe('Tag expression: `*` (default), `TagA`, `TagA || TagB`.'),
      }),
      responses: [{ status: 200, description: 'Received messages (maybe none)', schema: z.object({ messages: z.array(receivedSchema) }) }, ...errorResponses(400, 404, 429, 503)],
      async handle({ params, body, signal }) {
        const popped = await pop.receive({
          group: params.group,
          topic: params.topic,
          max: body.max,
          waitMs: body.waitMs,
          invisibleMs: body.invisibleMs,
          filter: parseTagExpression(body.tags),
          signal,
        });
        return jsonResponse({ messages: popped.map(received) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/groups/{group}/ack',
      operationId: 'ack',
      tag: 'consume',
      summary: 'Acknowledge received messages by receipt handle',
      description: 'Idempotent. Each handle gets its own result (200 all acked, 207 some, else the error status).',
      params: group,
      body: z.strictObject({ receiptHandles: handles }),
      responses: [{ status: 200, description: 'Every handle acked', schema: perHandle({ status: z.literal('acked') }) }, { status: 207, description: 'Some acked', schema: perHandle({ status: z.literal('acked') }) }, ...errorResponses(400, 409)],
      async handle({ params, body }) {
        return perHandleAnswer(body.receiptHandles, async (h) => {
          await pop.ack(params.group, h);
          return { status: 'acked' };
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/groups/{group}/nack',
      operationId: 'nack',
      tag: 'consume',
      summary: 'Give messages back for a later retry (then the DLQ)',
      description:
        'Each message goes to %RETRY%<group> with delayLevel (absent or 0: the group policy, 3 + reconsume times), or to %DLQ%<group> after the group\'s retryMaxTimes.',
      params: group,
      body: z.strictObject({ receiptHandles: handles, delayLevel: z.number().int().min(0).optional() }),
      responses: [
        { status: 200, description: 'Every handle nacked', schema: perHandle({ status: z.enum(['retry', 'dlq']), topic: z.string() }) },
        { status: 207, description: 'Some nacked', schema: perHandle({ status: z.enum(['retry', 'dlq']), topic: z.string() }) },
        ...errorResponses(400, 409),
      ],
      async handle({ params, body }) {
        const options = body.delayLevel === undefined ? {} : { delayLevel: body.delayLevel };
        return perHandleAnswer(body.receiptHandles, (h) => pop.nack(params.group, h, options));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/groups/{group}/extend',
      operationId: 'extend',
      tag: 'consume',
      summary: 'Change the invisible time of a received message (from now); returns a new receipt handle',
      params: group,
      body: z.strictObject({ receiptHandle: handle, invisibleMs: z.number().int().min(0).max(MAX_INVISIBLE_MS).describe('0 = visible again at once.') }),
      responses: [{ status: 200, description: 'The new handle (the old one no longer acks)', schema: z.object({ receiptHandle: z.string(), invisibleUntil: z.number().int() }) }, ...errorResponses(400, 409)],
      async handle({ params, body }) {
        const extended = await pop.extend(params.group, body.receiptHandle, body.invisibleMs);
        return jsonResponse({ receiptHandle: extended.receiptHandle, invisibleUntil: extended.invisibleUntil });
      },
    }),
  ];
}

function received(p: PoppedMessage): z.output<typeof receivedSchema> {
  return { receiptHandle: p.receiptHandle, ...messageView(p.message, p.topic), deliveryAttempt: p.deliveryAttempt, invisibleUntil: p.invisibleUntil };
}

/** Run `op` per handle in order; a CometError is that handle's result, anything else is a bug. */
async function perHandleAnswer<T extends object>(receiptHandles: readonly string[], op: (handle: string) => Promise<T>): Promise<Response> {
  const results: ({ receiptHandle: string } & (T | { error: { code: string; message: string } }))[] = [];
  const errors: (CometError | undefined)[] = [];
  for (const receiptHandle of receiptHandles) {
    try {
      results.push({ receiptHandle, ...(await op(receiptHandle)) });
      errors.push(undefined);
    } catch (e) {
      if (!(e instanceof CometError)) throw e;
      results.push({ receiptHandle, ...errorBody(e) });
      errors.push(e);
    }
  }
  const { status, error } = batchStatus(errors);
  return jsonResponse(error === undefined ? { results } : { ...errorBody(error), results }, status);
}
