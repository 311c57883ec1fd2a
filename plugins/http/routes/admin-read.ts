import { z } from 'zod';
import { CometError } from '../../../kernel/errors.js';
import type { OffsetEntry, SubscriptionGroupConfig } from '../../../kernel/messaging/metadata.js';
import type { TopicView } from '../../../kernel/messaging/api.js';
import { validateGroupName, validateTopicName } from '../../../kernel/messaging/names.js';
import { messageView, messageViewSchema } from '../encoding.js';
import { defineRoute, jsonResponse, type Route, type RouteDeps } from '../route.js';
import { errorResponses, groupParam, intQuery, topicParam } from '../schemas.js';

export const topicViewSchema = z.object({
  name: z.string(),
  readQueueNums: z.number().int(),
  writeQueueNums: z.number().int(),
  perm: z.number().int().describe('Permission bits: 4 read, 2 write, 1 inherit (6 = read + write).'),
  order: z.boolean(),
  queues: z.array(z.object({ queueId: z.number().int(), minOffset: z.number().int(), maxOffset: z.number().int() })),
});
const groupSummarySchema = z.object({ name: z.string(), consumeEnable: z.boolean(), consumeBroadcastEnable: z.boolean(), retryMaxTimes: z.number().int(), retryQueueNums: z.number().int() });
const queueLagSchema = z.object({
  topic: z.string(),
  queueId: z.number().int(),
  committedOffset: z.number().int(),
  maxOffset: z.number().int(),
  lag: z.number().int().describe('Messages not consumed yet: maxOffset − committedOffset.'),
  lagMs: z.number().int().describe('Now − store time of the first unconsumed message (0 without lag).'),
});
const groupDetailSchema = z.object({
  name: z.string(),
  config: groupSummarySchema.nullable().describe('null for a group known only by its offsets.'),
  members: z
    .array(
      z.object({
        clientId: z.string(),
        door: z.string().describe('remoting (RocketMQ clients) or websocket'),
        address: z.string(),
        lastSeenAt: z.number().int().describe('Epoch ms of the last heartbeat / the subscribe.'),
        mode: z.string().describe('CLUSTERING or BROADCASTING'),
        topics: z.array(z.string()),
      }),
    )
    .describe('Consumers connected now through a door with sessions (native clients by heartbeat, WebSocket subscribers). HTTP receivers are sessionless and never listed.'),
  offsets: z.array(queueLagSchema),
});
const lookedUpSchema = messageViewSchema.extend({ offsetMsgId: z.string().describe('The store\'s own id (host + physical offset).') });

export function topicView(view: TopicView): z.output<typeof topicViewSchema> {
  return { name: view.topicName, readQueueNums: view.readQueueNums, writeQueueNums: view.writeQueueNums, perm: view.perm, order: view.order, queues: view.queues.map((q) => ({ ...q })) };
}

function groupSummary(g: SubscriptionGroupConfig): z.output<typeof groupSummarySchema> {
  return { name: g.groupName, consumeEnable: g.consumeEnable, consumeBroadcastEnable: g.consumeBroadcastEnable, retryMaxTimes: g.retryMaxTimes, retryQueueNums: g.retryQueueNums };
}

/** Read-only admin: topics, groups with lag, lookups. Open to every address (no writes). */
export function adminReadRoutes(deps: RouteDeps): Route[] {
  const { messaging } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/v1/topics',
      operationId: 'listTopics',
      tag: 'admin',
      summary: 'List topics with their queues\' min/max offsets',
      responses: [{ status: 200, description: 'Every topic (internal ones too: %RETRY%…, %DLQ%…, SCHEDULE_TOPIC_XXXX)', schema: z.object({ topics: z.array(topicViewSchema) }) }],
      handle() {
        const topics = messaging.topics
          .list()
          .map((t) => messaging.topics.describe(t.topicName))
          .filter((v): v is TopicView => v !== undefined)
          .map(topicView);
        return jsonResponse({ topics });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/topics/{topic}',
      operationId: 'getTopic',
      tag: 'admin',
      summary: 'One topic with its queues\' min/max offsets',
      params: z.object({ topic: topicParam }),
      responses: [{ status: 200, description: 'The topic', schema: topicViewSchema }, ...errorResponses(400, 404)],
      handle({ params }) {
        const view = messaging.topics.describe(validateTopicName(params.topic));
        if (view === undefined) throw new CometError('TOPIC_NOT_FOUND', `topic ${params.topic} does not exist`);
        return jsonResponse(topicView(view));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/groups',
      operationId: 'listGroups',
      tag: 'admin',
      summary: 'List subscription groups',
      responses: [{ status: 200, description: 'Every group', schema: z.object({ groups: z.array(groupSummarySchema) }) }],
      handle() {
        return jsonResponse({ groups: messaging.groups.list().map(groupSummary) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/groups/{group}',
      operationId: 'getGroup',
      tag: 'admin',
      summary: 'One group: committed offsets and lag per queue (messages and time)',
      params: z.object({ group: groupParam }),
      responses: [{ status: 200, description: 'The group', schema: groupDetailSchema }, ...errorResponses(400, 404)],
      async handle({ params }) {
        const name = validateGroupName(params.group);
        const config = messaging.groups.get(name);
        const entries = messaging.groups.offsets(name);
        const members = [...deps.members(name)].sort((a, b) => a.clientId.localeCompare(b.clientId));
        if (config === undefined && entries.length === 0 && members.length === 0) throw new CometError('GROUP_NOT_FOUND', `group ${name} does not exist`);
        const offsets = await Promise.all([...entries].sort(byTopicQueue).map((e) => queueLag(deps, e)));
        return jsonResponse({ name, config: config === undefined ? null : groupSummary(config), members, offsets });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/messages/{msgId}',
      operationId: 'getMessage',
      tag: 'admin',
      summary: 'A message by msgId (the id a produce answered, or a native client id)',
      params: z.object({ msgId: z.string().min(1).max(128) }),
      responses: [{ status: 200, description: 'The message', schema: lookedUpSchema }, ...errorResponses(400, 404)],
      async handle({ params }) {
        const m = await messaging.viewMessage(params.msgId);
        if (m === undefined) throw new CometError('MESSAGE_NOT_FOUND', `no message with id ${params.msgId}`);
        return jsonResponse({ ...messageView(m), offsetMsgId: m.msgId });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/topics/{topic}/messages',
      operationId: 'queryByKey',
      tag: 'admin',
      summary: 'Messages of a topic by business key (paged)',
      params: z.object({ topic: topicParam }),
      query: z.strictObject({
        key: z.string().min(1),
        limit: intQuery(1, 1024).default(32),
        cursor: z.string().min(1).optional().describe('nextCursor of the previous page.'),
        beginTimestamp: intQuery(0).optional(),
        endTimestamp: intQuery(0).optional(),
      }),
      responses: [
        { status: 200, description: 'A page of messages, oldest first', schema: z.object({ messages: z.array(lookedUpSchema), nextCursor: z.string().optional() }) },
        ...errorResponses(400),
      ],
      async handle({ params, query }) {
        const page = await messaging.queryByKey(params.topic, query.key, {
          limit: query.limit,
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
          ...(query.beginTimestamp === undefined ? {} : { beginTimestamp: query.beginTimestamp }),
          ...(query.endTimestamp === undefined ? {} : { endTimestamp: query.endTimestamp }),
        });
        const messages = page.messages.map((m) => ({ ...messageView(m), offsetMsgId: m.msgId }));
        return jsonResponse(page.nextCursor === undefined ? { messages } : { messages, nextCursor: page.nextCursor });
      },
    }),
  ];
}

function byTopicQueue(a: OffsetEntry, b: OffsetEntry): number {
  return a.topic === b.topic ? a.queueId - b.queueId : a.topic < b.topic ? -1 : 1;
}

/** Lag in messages, and in time: now − store time of the first message at or after the committed offset. */
async function queueLag(deps: RouteDeps, e: OffsetEntry): Promise<z.output<typeof queueLagSchema>> {
  const maxOffset = deps.messaging.maxOffset(e.topic, e.queueId);
  const lag = Math.max(0, maxOffset - e.offset);
  let lagMs = 0;
  if (lag > 0) {
    const from = Math.max(e.offset, deps.messaging.minOffset(e.topic, e.queueId));
    const read = await deps.messaging.read({ topic: e.topic, queueId: e.queueId, offset: from, max: 1 }).catch((err: unknown) => {
      if (err instanceof CometError) return undefined; // topic deleted or no longer readable: lag in time unknown
      throw err;
    });
    const first = read?.status === 'found' ? read.messages[0] : undefined;
    if (first !== undefined) lagMs = Math.max(0, deps.clock.now() - first.storeTimestamp);
  }
  return { topic: e.topic, queueId: e.queueId, committedOffset: e.offset, maxOffset, lag, lagMs };
}
