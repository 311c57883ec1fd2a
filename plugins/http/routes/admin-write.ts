import { z } from 'zod';
import { CometError } from '../../../kernel/errors.js';
import { validateGroupName, validateTopicName } from '../../../kernel/messaging/names.js';
import { defineRoute, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { errorResponses, groupParam, topicParam } from '../schemas.js';
import { topicView, topicViewSchema } from './admin-read.js';

const queueNums = z.number().int().min(1).max(1024);

/** Admin writes: accepted only from loopback (adminWrite) until the auth issue adds credentials. */
export function adminWriteRoutes(deps: RouteDeps): Route[] {
  const { messaging } = deps;
  return [
    defineRoute({
      method: 'put',
      path: '/v1/topics/{topic}',
      operationId: 'putTopic',
      tag: 'admin',
      summary: 'Create or update a topic (loopback only)',
      adminWrite: true,
      params: z.object({ topic: topicParam }),
      body: z.strictObject({
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
        perm: z.number().int().min(0).max(7).optional().describe('4 read + 2 write (+ 1 inherit); default 6.'),
      }),
      responses: [{ status: 200, description: 'The topic as stored', schema: topicViewSchema }, ...errorResponses(400, 403)],
      async handle({ params, body }) {
        const topicName = validateTopicName(params.topic);
        await messaging.topics.upsert({ topicName, readQueueNums: body.readQueueNums, writeQueueNums: body.writeQueueNums, ...(body.perm === undefined ? {} : { perm: body.perm }) });
        const view = messaging.topics.describe(topicName);
        if (view === undefined) throw new CometError('INTERNAL', `topic ${topicName} vanished right after upsert`);
        return jsonResponse(topicView(view));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/groups/{group}/offsets/reset',
      operationId: 'resetOffsets',
      tag: 'admin',
      summary: 'Reset a group\'s committed offsets on a topic to a time (loopback only)',
      description:
        'For each queue of the topic: the first offset whose store time is at or after timestamp (the end of the queue if none), committed for the group. Consumers pick it up at their next offset fetch (native consumers after a rebalance or restart).',
      adminWrite: true,
      params: z.object({ group: groupParam }),
      body: z.strictObject({ topic: topicParam, timestamp: z.number().int().min(0).describe('Epoch ms.') }),
      responses: [
        { status: 200, description: 'The offsets committed', schema: z.object({ offsets: z.array(z.object({ queueId: z.number().int(), offset: z.number().int() })) }) },
        ...errorResponses(400, 403, 404),
      ],
      async handle({ params, body }) {
        const group = validateGroupName(params.group);
        const topic = messaging.topics.get(validateTopicName(body.topic));
        if (topic === undefined) throw new CometError('TOPIC_NOT_FOUND', `topic ${body.topic} does not exist`);
        const offsets: { queueId: number; offset: number }[] = [];
        for (let queueId = 0; queueId < topic.readQueueNums; queueId++) {
          const offset = await messaging.offsetByTime(topic.topicName, queueId, body.timestamp);
          await messaging.commitOffset(group, topic.topicName, queueId, offset);
          offsets.push({ queueId, offset });
        }
        return jsonResponse({ offsets });
      },
    }),
  ];
}
