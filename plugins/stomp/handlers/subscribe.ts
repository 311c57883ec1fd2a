import { parseTagExpression } from '../../../kernel/messaging/tags.js';
import type { StompConnection } from '../connection.js';
import { durableGroup, parseDestination, queueGroup } from '../destinations.js';
import { header, type StompFrame } from '../frame.js';
import { type AckMode, cursorSource, groupSource, StompSubscription, type SubscriptionDeps } from '../subscription.js';

const ACK_MODES: readonly AckMode[] = ['auto', 'client', 'client-individual'];

/**
 * SUBSCRIBE (STOMP 1.2 §SUBSCRIBE): `/queue/{name}` joins the group every subscriber of that queue
 * shares (each message to one of them); `/topic/{name}` reads every message from now on, or — with
 * `durable-subscription-name` (or ActiveMQ's `activemq.subscriptionName`) and the connection's
 * `client-id` — through a group of its own that keeps its place across reconnects. `selector` is a
 * tag expression (`a || b`).
 */
export function onSubscribe(c: StompConnection, frame: StompFrame): void {
  c.ordered(frame, async () => {
    const destText = header(frame, 'destination');
    const dest = parseDestination(destText);
    if (typeof dest === 'string') return c.error('invalid destination', dest, frame);
    const id = header(frame, 'id') ?? (c.version === '1.0' ? destText! : undefined);
    if (id === undefined) return c.error('missing id', 'SUBSCRIBE needs an id header (STOMP 1.1+)', frame);
    if (c.subscriptions.has(id)) return c.error('duplicate subscription', `subscription id ${JSON.stringify(id)} is already in use on this connection`, frame);
    const ack = (header(frame, 'ack') ?? 'auto') as AckMode;
    if (!ACK_MODES.includes(ack)) return c.error('invalid ack mode', `ack ${JSON.stringify(ack)} is none of ${ACK_MODES.join(', ')}`, frame);
    let filter;
    try {
      filter = parseTagExpression(header(frame, 'selector'));
    } catch (e) {
      return c.error('invalid selector', e instanceof Error ? e.message : String(e), frame);
    }
    const { messaging, pop, clock, logger, config } = c.deps;
    const deps: SubscriptionDeps = { messaging, pop, clock, logger, maxUnacked: config.maxUnackedPerSubscription, ackTimeoutMs: config.ackTimeoutMs };
    const durableName = header(frame, 'durable-subscription-name') ?? header(frame, 'activemq.subscriptionName');
    let source;
    if (dest.kind === 'queue') source = groupSource(deps, queueGroup(dest.name), dest.name, filter);
    else if (durableName !== undefined) {
      if (c.clientId === undefined) return c.error('durable subscription needs client-id', 'send client-id in CONNECT to name durable subscriptions', frame);
      const group = durableGroup(c.clientId, durableName);
      await startAtEnd(c, group, dest.name);
      source = groupSource(deps, group, dest.name, filter);
    } else source = cursorSource(deps, dest.name, filter);
    const sub = new StompSubscription(id, destText!, ack, source, c, deps);
    c.subscriptions.set(id, sub);
    c.receipt(frame);
    sub.start();
  });
}

/** A new durable subscription starts at the topic's end (not at its beginning, as a new group would). */
async function startAtEnd(c: StompConnection, group: string, topic: string): Promise<void> {
  const { messaging } = c.deps;
  if (messaging.groups.get(group) !== undefined) return;
  await messaging.groups.ensure(group);
  const queues = messaging.topics.get(topic)?.readQueueNums ?? 0;
  for (let q = 0; q < queues; q++) await messaging.commitOffset(group, topic, q, messaging.maxOffset(topic, q));
}
