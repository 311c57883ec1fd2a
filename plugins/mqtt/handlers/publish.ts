import type { IPublishPacket } from 'mqtt-packet';
import { RC } from '../codes.js';
import type { Connection } from '../connection.js';
import { checkTopicName, firstLevel } from '../topics.js';

/**
 * PUBLISH from a client (MQTT 3.1.1 §3.3, MQTT 5 §3.3): resolve the topic alias, check the topic
 * name, store through Messaging (started at once, so a pipelining publisher is not serialized), and
 * acknowledge in arrival order: nothing for QoS 0, PUBACK for QoS 1, PUBREC for QoS 2 (§4.3.3
 * method A: stored on PUBLISH, a duplicate packet id before PUBREL is not stored again).
 */
export function onPublish(c: Connection, p: IPublishPacket): void {
  const session = c.session!;
  const topic = resolveTopic(c, p);
  if (topic === undefined) return;
  if (p.qos > 0) {
    c.inboundPending++;
    if (c.inboundPending > c.broker.deps.config.receiveMaximum && c.protocolVersion === 5) {
      return c.protocolError(RC.RECEIVE_MAXIMUM_EXCEEDED, `more than ${c.broker.deps.config.receiveMaximum} QoS 1/2 PUBLISHes unacknowledged`);
    }
  }
  const check = checkTopicName(topic);
  if (!check.ok) {
    // §4.7.3 wildcards / empty / U+0000: malformed. A well-formed name this server refuses ($-topics,
    // a first level that is not a CometMQ topic name) gets a negative acknowledgement where there is one.
    const malformed = topic.length === 0 || topic.includes('+') || topic.includes('#') || topic.includes('\u0000');
    if (malformed || p.qos === 0 || c.protocolVersion !== 5) return c.protocolError(RC.TOPIC_NAME_INVALID, check.reason);
    return c.ordered(() => ack(c, p, RC.TOPIC_NAME_INVALID, check.reason));
  }
  const id = p.messageId ?? 0;
  if (p.qos === 2 && session.inboundQos2.has(id)) {
    // A resend of a QoS 2 PUBLISH we already stored: acknowledge again, store nothing.
    return c.ordered(() => ack(c, p, RC.SUCCESS, undefined));
  }
  if (p.qos === 2) session.inboundQos2.add(id);
  // §4.6: one connection's messages are stored in arrival order (kernel/messaging/produce-gate.ts).
  const stored = c.produceGate.start(c.broker.deps.messaging.topics.get(firstLevel(topic)) !== undefined, () => c.broker.publish(topic, p, c.clientId, c.publishTemplates));
  c.ordered(async () => {
    const outcome = await stored;
    if (outcome.status === 'stored') {
      // §4.3.3 method A across a broker restart: the packet id is kept until PUBREL.
      if (p.qos === 2 && session.persistent) await c.broker.deps.state.putInboundQos2(c.clientId, id);
      if (outcome.retained === 'quotaExceeded') return ack(c, p, RC.QUOTA_EXCEEDED, 'stored, but not retained: maxRetained reached');
      return ack(c, p, RC.SUCCESS, undefined);
    }
    if (p.qos === 2) session.inboundQos2.delete(id);
    c.logger.info({ clientId: c.clientId, topic, code: outcome.code }, `MQTT PUBLISH refused: ${outcome.message}`);
    // MQTT 3.1.1 has no negative acknowledgement: the connection closes and the client resends.
    if (p.qos === 0 || c.protocolVersion !== 5) return c.protocolError(RC.IMPLEMENTATION_SPECIFIC_ERROR, `${outcome.code}: ${outcome.message}`);
    const rc = outcome.reason === 'topic' ? RC.TOPIC_NAME_INVALID : outcome.reason === 'quota' ? RC.QUOTA_EXCEEDED : outcome.reason === 'property' ? RC.PAYLOAD_FORMAT_INVALID : RC.IMPLEMENTATION_SPECIFIC_ERROR;
    ack(c, p, rc, `${outcome.code}: ${outcome.message}`);
  });
}

function ack(c: Connection, p: IPublishPacket, reasonCode: number, reason: string | undefined): void {
  if (p.qos === 0) return;
  c.inboundPending = Math.max(0, c.inboundPending - 1);
  const messageId = p.messageId ?? 0;
  const cmd = p.qos === 1 ? 'puback' : 'pubrec';
  if (c.protocolVersion === 5) c.send({ cmd, messageId, reasonCode, ...(reason === undefined ? {} : { properties: { reasonString: reason } }) });
  else c.send({ cmd, messageId });
}

/** MQTT 5 §3.3.2.3.4: a topic alias sets or uses the connection's mapping; undefined after a protocol error. */
function resolveTopic(c: Connection, p: IPublishPacket): string | undefined {
  const alias = p.properties?.topicAlias;
  if (c.protocolVersion !== 5 || alias === undefined) return p.topic;
  const max = c.broker.deps.config.topicAliasMaximum;
  if (alias === 0 || alias > max) {
    c.protocolError(RC.TOPIC_ALIAS_INVALID, `topic alias ${alias} is outside 1..${max}`);
    return undefined;
  }
  if (p.topic.length > 0) {
    c.aliases.set(alias, p.topic);
    return p.topic;
  }
  const known = c.aliases.get(alias);
  if (known === undefined) {
    c.protocolError(RC.PROTOCOL_ERROR, `topic alias ${alias} was never set on this connection`);
    return undefined;
  }
  return known;
}

