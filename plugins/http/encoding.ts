import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { consumerMsgId, PROPERTY, type StoredMessage } from '../../kernel/messaging/message.js';

/** How a body travels in JSON: UTF-8 text, or base64 for bytes that are not valid UTF-8. */
export const encodingSchema = z.enum(['utf8', 'base64']);
export type BodyEncoding = z.output<typeof encodingSchema>;

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Strict enough to catch text sent by mistake as base64 (Buffer.from alone ignores bad characters). */
export function isBase64(text: string): boolean {
  return BASE64_RE.test(text) && (text.includes('=') ? text.length % 4 === 0 : text.length % 4 !== 1);
}

export function decodeBody(body: string, encoding: BodyEncoding | undefined): Uint8Array {
  return encoding === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function encodeBody(bytes: Uint8Array): { body: string; encoding: BodyEncoding } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? { body: buf.toString('utf8'), encoding: 'utf8' } : { body: buf.toString('base64'), encoding: 'base64' };
}

/** Keys given as `a,b` or `a b` (RocketMQ separates KEYS with spaces) or as an array. */
export function splitKeys(keys: string | readonly string[] | undefined): string[] | undefined {
  if (keys === undefined) return undefined;
  const list = (typeof keys === 'string' ? keys.split(/[\s,]+/) : keys.flatMap((k) => k.split(/[\s,]+/))).filter((k) => k.length > 0);
  return list.length === 0 ? undefined : list;
}

/** Properties shown to HTTP consumers: TAGS and KEYS have their own fields. */
export function userProperties(properties: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) if (k !== PROPERTY.TAGS && k !== PROPERTY.KEYS) out[k] = v;
  return out;
}


export const messageViewSchema = z.object({
  msgId: z.string(),
  topic: z.string(),
  queueId: z.number().int(),
  queueOffset: z.number().int(),
  tag: z.string().nullable(),
  keys: z.array(z.string()),
  properties: z.record(z.string(), z.string()),
  body: z.string(),
  encoding: encodingSchema,
  bornTimestamp: z.number().int(),
  storeTimestamp: z.number().int(),
  reconsumeTimes: z.number().int(),
});
export type MessageView = z.output<typeof messageViewSchema>;

/** A stored message as JSON (replay, lookups). `topic` may be given (a pop of a retry copy reports the subscribed topic). */
export function messageView(m: StoredMessage, topic: string = m.topic): MessageView {
  return {
    msgId: consumerMsgId(m),
    topic,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    tag: m.tags ?? null,
    keys: [...m.keys],
    properties: userProperties(m.properties),
    ...encodeBody(m.body),
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    reconsumeTimes: m.reconsumeTimes,
  };
}
