import { CometError } from '../../../../kernel/errors.js';
import { validateGroupName, validateTopicName } from '../../../../kernel/messaging/names.js';
import { parseTagExpression, type TagFilter } from '../../../../kernel/messaging/tags.js';
import { BroadcastSource } from '../broadcasting.js';
import { ClusteringSource } from '../clustering.js';
import type { SubscribeFrame, SubscribeFrom } from '../protocol.js';
import { Subscription, type DeliverySource } from '../subscription.js';
import { TopicCursor, type CursorStart } from '../../../../kernel/messaging/topic-cursor.js';
import { MAX_SUBSCRIPTIONS_PER_CONNECTION, type OpContext } from './context.js';

/** `subscribe` → `subscribed`, then the subscription polls while it has credits (docs/websocket.md §2, §4). */
export async function handleSubscribe(ctx: OpContext, frame: SubscribeFrame): Promise<void> {
  const { messaging } = ctx.deps;
  const topic = validateTopicName(frame.topic);
  if (ctx.subscriptionCount() >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
    throw new CometError('WS_PROTOCOL_ERROR', `at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`);
  }
  if (messaging.topics.get(topic) === undefined && !messaging.topics.autoCreate()) {
    throw new CometError('TOPIC_NOT_FOUND', `topic ${topic} does not exist`);
  }
  const filter = parseTagExpression(frame.tags);
  const source = frame.mode === 'clustering' ? await clusteringSource(ctx, frame, topic, filter) : broadcastSource(ctx, frame, topic, filter);
  if (ctx.closed) return;
  const id = ctx.nextSubscriptionId();
  const { config, clock } = ctx.deps;
  const info = { group: frame.group, topic, mode: frame.mode === 'clustering' ? 'CLUSTERING' : 'BROADCASTING', since: clock.now() };
  const options = { id, credits: frame.credits, maxCredits: config.ws.maxCredits, clock, logger: ctx.logger, info };
  const subscription = new Subscription(options, source, ctx.host);
  ctx.addSubscription(subscription);
  ctx.send({ op: 'subscribed', id: frame.id, subscription: id });
  subscription.start();
}

async function clusteringSource(ctx: OpContext, frame: SubscribeFrame, topic: string, filter: TagFilter): Promise<DeliverySource> {
  if (frame.group === undefined) throw new CometError('WS_PROTOCOL_ERROR', 'group: required for mode clustering');
  if (frame.from !== undefined) throw new CometError('WS_PROTOCOL_ERROR', 'from: only for mode broadcasting (clustering resumes from the group)');
  const group = validateGroupName(frame.group);
  await ctx.deps.messaging.groups.ensure(group);
  const ackTimeoutMs = frame.ackTimeoutMs ?? ctx.deps.config.ws.ackTimeoutMs;
  return new ClusteringSource(ctx.deps, { group, topic, filter, ackTimeoutMs });
}

function broadcastSource(ctx: OpContext, frame: SubscribeFrame, topic: string, filter: TagFilter): DeliverySource {
  return new BroadcastSource(new TopicCursor(ctx.deps, topic, filter, cursorStart(frame.from)));
}

function cursorStart(from: SubscribeFrom | undefined): CursorStart {
  if (from === undefined || from === 'latest') return 'latest';
  if (from === 'earliest') return 'earliest';
  const offsets = new Map<number, number>();
  for (const [queueId, offset] of Object.entries(from)) offsets.set(Number(queueId), offset);
  return { offsets, unlisted: 'latest' };
}
