import type { IPublishPacket, QoS, UserProperties } from 'mqtt-packet';
import type { ProduceRequest } from '../../kernel/messaging/api.js';
import { PROPERTY, type StoredMessage } from '../../kernel/messaging/message.js';
import { firstLevel, tagOf } from './topics.js';

/**
 * MQTT ↔ CometMQ message mapping (docs/mqtt.md "Mapping"). What MQTT carries beside the payload
 * travels in message properties, so a message produced by any door can reach MQTT subscribers and
 * MQTT messages are readable by every other door.
 */
export const MQTT_PROPERTY = {
  /** The full MQTT topic the message was published to; subscriptions filter on it. */
  TOPIC: 'MQTT_TOPIC',
  /** The QoS it was published with (the most a subscriber receives it with). */
  QOS: 'MQTT_QOS',
  /** MQTT 5 content type. */
  CONTENT_TYPE: 'MQTT_CONTENT_TYPE',
  /** MQTT 5 response topic. */
  RESPONSE_TOPIC: 'MQTT_RESPONSE_TOPIC',
  /** MQTT 5 correlation data, base64. */
  CORRELATION_DATA: 'MQTT_CORRELATION_DATA',
  /** Epoch ms after which the message is not delivered (MQTT 5 message expiry interval). */
  EXPIRES_AT: 'MQTT_EXPIRES_AT',
  /** `1` when it was published with the retain flag (for Retain As Published). */
  RETAIN: 'MQTT_RETAIN',
  /** The publishing client's id (for No Local). */
  PUBLISHER: 'MQTT_PUBLISHER',
  /** `1` when the publisher flagged the payload as UTF-8 (MQTT 5 payload format indicator). */
  PAYLOAD_UTF8: 'MQTT_PAYLOAD_UTF8',
} as const;

/** Property keys a user property may not use: the store's own and the ones above. */
const RESERVED = new Set<string>([...Object.values(PROPERTY), ...Object.values(MQTT_PROPERTY)]);
/** Repeated MQTT 5 user properties with one name are joined with U+0000 (which no MQTT string may contain). */
const MULTI_SEPARATOR = '\u0000';

export type MappingResult = { readonly ok: true; readonly request: ProduceRequest } | { readonly ok: false; readonly reason: string };

/** Most shared property sets one connection keeps (PublishTemplates). */
const MAX_TEMPLATES = 256;

/**
 * One connection's PUBLISHes without MQTT 5 properties carry the same message properties for the
 * same topic, QoS and retain flag: built once (the tag included, so the store adds nothing), frozen
 * and shared by those messages; the store encodes a frozen set once.
 */
export class PublishTemplates {
  readonly #byKey = new Map<string, Readonly<Record<string, string>>>();

  constructor(private readonly publisher: string) {}

  properties(topic: string, qos: QoS, retain: boolean): Readonly<Record<string, string>> {
    const key = `${qos}${retain ? 'r' : '-'}${topic}`;
    let props = this.#byKey.get(key);
    if (props === undefined) {
      if (this.#byKey.size >= MAX_TEMPLATES) this.#byKey.clear();
      const built = baseProperties(topic, qos, retain, this.publisher);
      const tag = tagOf(topic);
      if (tag !== undefined) built[PROPERTY.TAGS] = tag;
      props = Object.freeze(built);
      this.#byKey.set(key, props);
    }
    return props;
  }
}

function baseProperties(topic: string, qos: QoS, retain: boolean, publisher: string): Record<string, string> {
  const properties: Record<string, string> = { [MQTT_PROPERTY.TOPIC]: topic, [MQTT_PROPERTY.QOS]: String(qos), [MQTT_PROPERTY.PUBLISHER]: publisher };
  if (retain) properties[MQTT_PROPERTY.RETAIN] = '1';
  return properties;
}

/**
 * The produce request for a PUBLISH whose topic was already checked (topics.ts checkTopicName). With
 * `templates` (the publishing connection's), a PUBLISH without MQTT 5 properties shares its set.
 */
export function toProduce(topic: string, packet: IPublishPacket, publisher: string, now: number, templates?: PublishTemplates): MappingResult {
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  if (templates !== undefined && packet.properties === undefined) {
    // One MQTT topic → one queue (shardingKey): MQTT 3.1.1 §4.6 / MQTT 5 §4.6 ordered topics.
    return { ok: true, request: { topic: firstLevel(topic), body: payload, shardingKey: topic, properties: templates.properties(topic, packet.qos, packet.retain) } };
  }
  const properties = baseProperties(topic, packet.qos, packet.retain, publisher);
  const p = packet.properties;
  if (p !== undefined) {
    if (p.contentType !== undefined) properties[MQTT_PROPERTY.CONTENT_TYPE] = p.contentType;
    if (p.responseTopic !== undefined) properties[MQTT_PROPERTY.RESPONSE_TOPIC] = p.responseTopic;
    if (p.correlationData !== undefined) properties[MQTT_PROPERTY.CORRELATION_DATA] = Buffer.from(p.correlationData).toString('base64');
    if (p.messageExpiryInterval !== undefined) properties[MQTT_PROPERTY.EXPIRES_AT] = String(now + p.messageExpiryInterval * 1000);
    if (p.payloadFormatIndicator === true) properties[MQTT_PROPERTY.PAYLOAD_UTF8] = '1';
    const user = p.userProperties;
    if (user !== undefined) {
      for (const [key, value] of Object.entries(user)) {
        if (RESERVED.has(key) || key.startsWith('MQTT_')) return { ok: false, reason: `user property ${JSON.stringify(key)} is reserved by the broker (store properties and the MQTT_ prefix)` };
        if (/[\u0001\u0002]/.test(key) || (Array.isArray(value) ? value : [value]).some((v) => /[\u0001\u0002]/.test(v))) {
          return { ok: false, reason: `user property ${JSON.stringify(key)} contains U+0001 or U+0002` };
        }
        properties[key] = Array.isArray(value) ? value.join(MULTI_SEPARATOR) : value;
      }
    }
  }
  const tag = tagOf(topic);
  return {
    ok: true,
    request: { topic: firstLevel(topic), body: payload, shardingKey: topic, ...(tag === undefined ? {} : { tags: tag }), properties },
  };
}

/**
 * The MQTT topic of a stored message: its MQTT_TOPIC property, else `{topic}/{tag}` (or `{topic}`)
 * for messages produced by other doors. A retry copy keeps its original topic in MQTT_TOPIC.
 */
export function mqttTopicOf(m: StoredMessage): string {
  const t = m.properties[MQTT_PROPERTY.TOPIC];
  if (t !== undefined) return t;
  const real = m.properties[PROPERTY.RETRY_TOPIC] ?? m.topic;
  return m.tags === undefined || m.tags.length === 0 ? real : `${real}/${m.tags}`;
}

/** The QoS the message was published with: MQTT_QOS, else 1 (other doors' messages are acknowledged sends). */
export function publishedQos(m: StoredMessage): QoS {
  const q = m.properties[MQTT_PROPERTY.QOS];
  return q === '0' ? 0 : q === '2' ? 2 : 1;
}

/** Epoch ms the message expires at, or undefined. */
export function expiresAt(m: Pick<StoredMessage, 'properties'>): number | undefined {
  const v = m.properties[MQTT_PROPERTY.EXPIRES_AT];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

const SYSTEM_KEYS = new Set<string>(Object.values(PROPERTY));

/** MQTT 5 PUBLISH properties for a delivery (remaining expiry, §3.3.2.3.3). */
export function outboundProperties(m: Pick<StoredMessage, 'properties'>, now: number): NonNullable<IPublishPacket['properties']> {
  const props: NonNullable<IPublishPacket['properties']> = {};
  const pr = m.properties;
  const contentType = pr[MQTT_PROPERTY.CONTENT_TYPE];
  if (contentType !== undefined) props.contentType = contentType;
  const responseTopic = pr[MQTT_PROPERTY.RESPONSE_TOPIC];
  if (responseTopic !== undefined) props.responseTopic = responseTopic;
  const correlation = pr[MQTT_PROPERTY.CORRELATION_DATA];
  if (correlation !== undefined) props.correlationData = Buffer.from(correlation, 'base64');
  const expiry = expiresAt(m);
  if (expiry !== undefined) props.messageExpiryInterval = Math.max(0, Math.ceil((expiry - now) / 1000));
  if (pr[MQTT_PROPERTY.PAYLOAD_UTF8] === '1') props.payloadFormatIndicator = true;
  const user: UserProperties = {};
  let any = false;
  for (const [key, value] of Object.entries(pr)) {
    if (SYSTEM_KEYS.has(key) || key.startsWith('MQTT_') || key.startsWith('__')) continue;
    user[key] = value.includes(MULTI_SEPARATOR) ? value.split(MULTI_SEPARATOR) : value;
    any = true;
  }
  if (any) props.userProperties = user;
  return props;
}
