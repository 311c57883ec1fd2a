import type { ProduceRequest } from '../../kernel/messaging/api.js';
import { PROPERTY, type StoredMessage } from '../../kernel/messaging/message.js';
import type { StompFrame } from './frame.js';

/**
 * STOMP destinations and message mapping (docs/stomp.md): `/queue/{name}` and `/topic/{name}` both
 * name the CometMQ topic `{name}`; what differs is how SUBSCRIBE reads it (one shared group, or every
 * subscription). SEND headers other than the protocol's own become message properties; `tag` is
 * the message tag (what a `selector` filters on).
 */
export type Destination = { readonly kind: 'queue' | 'topic'; readonly name: string };

const TOPIC_RE = /^[%|a-zA-Z0-9_-]{1,127}$/;

export function parseDestination(text: string | undefined): Destination | string {
  if (text === undefined || text.length === 0) return 'the destination header is missing';
  const m = /^\/(queue|topic)\/(.+)$/.exec(text);
  if (m === null) return `destination ${JSON.stringify(text)} is neither /queue/{name} nor /topic/{name}`;
  if (!TOPIC_RE.test(m[2]!)) return `destination name ${JSON.stringify(m[2])} is not a topic name ([%|a-zA-Z0-9_-], at most 127 characters)`;
  return { kind: m[1] as 'queue' | 'topic', name: m[2]! };
}

/** The clustering group all subscribers of `/queue/{name}` share. */
export const queueGroup = (name: string): string => `STOMP_QUEUE_${name}`.slice(0, 255);

/** The group of a durable topic subscription (client-id + subscription name), made group-safe. */
export function durableGroup(clientId: string, subscription: string): string {
  const raw = `${clientId}_${subscription}`;
  const safe = raw.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 200);
  if (safe === raw) return `STOMP_DURABLE_${safe}`;
  let h = 0x811c9dc5;
  for (const b of Buffer.from(raw, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `STOMP_DURABLE_${safe}_${h.toString(16)}`;
}

/** Headers STOMP itself defines on SEND / MESSAGE: never copied to or from message properties. */
const PROTOCOL_HEADERS = new Set(['destination', 'content-length', 'content-type', 'receipt', 'transaction', 'tag', 'message-id', 'subscription', 'ack', 'persistent', 'expires', 'priority']);
/** The property carrying SEND's content-type. */
export const CONTENT_TYPE_PROPERTY = 'STOMP_CONTENT_TYPE';
const STORE_PROPERTIES = new Set<string>(Object.values(PROPERTY));

/** `session`: the connection's session id, the sharding key, so one connection's messages keep their order (one queue). */
export function toProduce(dest: Destination, frame: StompFrame, session: string): ProduceRequest | string {
  const properties: Record<string, string> = {};
  let tag: string | undefined;
  const seen = new Set<string>();
  for (const [k, v] of frame.headers) {
    if (seen.has(k)) continue; // §"Repeated Header Entries": the first one counts
    seen.add(k);
    if (k === 'tag') tag = v.length > 0 ? v : undefined;
    else if (k === 'content-type') properties[CONTENT_TYPE_PROPERTY] = v;
    else if (PROTOCOL_HEADERS.has(k)) continue;
    else if (STORE_PROPERTIES.has(k) || k === CONTENT_TYPE_PROPERTY) return `header ${JSON.stringify(k)} is reserved by the broker`;
    else if (/[\u0001\u0002]/.test(k) || /[\u0001\u0002]/.test(v)) return `header ${JSON.stringify(k)} contains U+0001 or U+0002`;
    else properties[k] = v;
  }
  return { topic: dest.name, body: frame.body, shardingKey: session, ...(tag === undefined ? {} : { tags: tag }), properties };
}

/** MESSAGE headers for a stored message (after the subscription's own: subscription, message-id, destination, ack). */
export function messageHeaders(m: StoredMessage): [string, string][] {
  const out: [string, string][] = [];
  const ct = m.properties[CONTENT_TYPE_PROPERTY];
  if (ct !== undefined) out.push(['content-type', ct]);
  if (m.tags !== undefined && m.tags.length > 0) out.push(['tag', m.tags]);
  for (const [k, v] of Object.entries(m.properties)) {
    if (STORE_PROPERTIES.has(k) || k === CONTENT_TYPE_PROPERTY || PROTOCOL_HEADERS.has(k)) continue;
    out.push([k, v]);
  }
  return out;
}
