import type { ISubscribePacket, QoS } from 'mqtt-packet';
import { validateGroupName } from '../../../kernel/messaging/names.js';
import { expiresAt, outboundProperties } from '../mapping.js';
import { RC, SUBACK_FAILURE_V3 } from '../codes.js';
import type { Connection } from '../connection.js';
import type { Subscription } from '../session.js';
import { parseFilter } from '../topics.js';

/**
 * SUBSCRIBE (MQTT 3.1.1 §3.8, MQTT 5 §3.8): each filter is checked on its own (a bad one gets a
 * failure code in SUBACK, the others are granted, §3.9.3); a filter already subscribed is replaced
 * (§3.8.4). After SUBACK, retained messages matching a non-shared filter are sent per Retain
 * Handling (MQTT 5 §3.8.3.1: 0 always, 1 only for a new subscription, 2 never).
 */
export function onSubscribe(c: Connection, p: ISubscribePacket): void {
  c.ordered(() => subscribe(c, p));
}

async function subscribe(c: Connection, p: ISubscribePacket): Promise<void> {
  const session = c.session!;
  const v5 = c.protocolVersion === 5;
  const subscriptionId = v5 ? p.properties?.subscriptionIdentifier : undefined;
  const granted: number[] = [];
  const accepted: Subscription[] = [];
  for (const s of p.subscriptions) {
    const parsed = parseFilter(s.topic);
    if (!parsed.ok) {
      c.logger.info({ clientId: c.clientId, filter: s.topic }, `MQTT SUBSCRIBE refused: ${parsed.reason}`);
      granted.push(v5 ? RC.TOPIC_FILTER_INVALID : SUBACK_FAILURE_V3);
      continue;
    }
    const f = parsed.filter;
    if (f.share !== undefined) {
      // MQTT 5 §3.8.3.1: No Local on a shared subscription is a protocol error.
      if (s.nl === true) return c.protocolError(RC.PROTOCOL_ERROR, 'No Local set on a shared subscription');
      try {
        validateGroupName(f.share);
      } catch {
        granted.push(v5 ? RC.TOPIC_FILTER_INVALID : SUBACK_FAILURE_V3);
        continue;
      }
    }
    accepted.push({ filter: s.topic, qos: s.qos, noLocal: s.nl === true, retainAsPublished: s.rap === true, retainHandling: s.rh ?? 0, subscriptionId, parsed: f });
    granted.push(s.qos);
  }
  const fresh = session.subscribe(accepted);
  await c.broker.saveSession(session);
  c.send({ cmd: 'suback', messageId: p.messageId ?? 0, granted });
  const now = c.broker.deps.clock.now();
  for (const s of accepted) {
    if (s.parsed.share !== undefined || s.retainHandling === 2 || (s.retainHandling === 1 && !fresh.has(s.filter))) continue;
    for (const m of c.broker.retained.matching(s.parsed.levels, now, expiresAt)) {
      session.deliverRetained({
        cmd: 'publish',
        topic: m.topic,
        payload: m.payload,
        qos: Math.min(s.qos, m.qos) as QoS,
        retain: true,
        dup: false,
        ...(v5 ? { properties: { ...outboundProperties(m, now), ...(subscriptionId === undefined ? {} : { subscriptionIdentifier: subscriptionId }) } } : {}),
      });
    }
  }
}
