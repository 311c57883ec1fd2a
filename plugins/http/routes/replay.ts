import { z } from 'zod';
import type { ReadResult } from '../../../kernel/messaging/store.js';
import { validateTopicName } from '../../../kernel/messaging/names.js';
import { messageView, messageViewSchema } from '../encoding.js';
import { defineRoute, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { errorResponses, intQuery, topicParam } from '../schemas.js';

const replayAnswer = z.object({
  messages: z.array(messageViewSchema),
  nextOffset: z.number().int().describe('Where the next call should start.'),
  minOffset: z.number().int(),
  maxOffset: z.number().int().describe('One past the last message of the queue.'),
});

/** Replay by offset: read a queue from any offset, with a long poll at the end. */
export function replayRoutes(deps: RouteDeps): Route[] {
  const { config, messaging } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/topics/{topic}/queues/{queueId}/messages',
      operationId: 'replay',
      tag: 'replay',
      summary: 'Read a queue by offset (replay), with the next offset',
      description:
        'Reads up to max messages from offset (default: the queue\'s min offset). At the end of the queue it waits up to waitMs for a message. An offset outside [minOffset, maxOffset] (removed by retention, or beyond the end) answers no messages and the corrected nextOffset. Does not move any group\'s offset.',
      params: z.object({ topic: topicParam, queueId: intQuery(0, 1023) }),
      query: z.strictObject({
        offset: intQuery(0).optional().describe('First queue offset to read (default: minOffset).'),
        max: intQuery(1, config.replayMaxMessages).default(config.replayMaxMessages),
        waitMs: intQuery(0, config.receiveMaxWaitMs).default(0).describe('Long poll at the end of the queue.'),
      }),
      responses: [{ status: 200, description: 'Messages and the next offset', schema: replayAnswer }, ...errorResponses(400, 404)],
      async handle({ params, query, signal }) {
        const topic = validateTopicName(params.topic);
        const queueId = params.queueId;
        const offset = query.offset ?? messaging.minOffset(topic, queueId);
        const request = { topic, queueId, offset, max: query.max };
        // read() checks the topic (TOPIC_NOT_FOUND, TOPIC_NOT_READABLE) and the queue id (QUEUE_ID_INVALID).
        let result = await messaging.read(request);
        const atEnd = result.status === 'empty' || (result.status === 'noQueue' && offset === 0);
        if (atEnd && query.waitMs > 0) {
          if ((await messaging.waitForMessages(topic, queueId, offset, query.waitMs, signal)) === 'arrived') result = await messaging.read(request);
        }
        return jsonResponse(answer(result));
      },
    }),
  ];
}

function answer(result: ReadResult): z.output<typeof replayAnswer> {
  const messages = result.status === 'found' ? result.messages.map((m) => messageView(m)) : [];
  // A queue never written is empty: any offset but 0 moves to 0.
  return { messages, nextOffset: result.nextOffset, minOffset: result.minOffset, maxOffset: result.maxOffset };
}
