import { isCometError } from '../../../kernel/errors.js';
import { PROPERTY, type StoredMessage } from '../../../kernel/messaging/message.js';
import { consumerMsgId, encodeBody } from '../encoding.js';
import type { ErrorBody, MessageFields } from './protocol.js';

/** Properties minus TAGS and KEYS, which travel as `tag` and `keys`. */
function userProperties(properties: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) {
    if (k !== PROPERTY.TAGS && k !== PROPERTY.KEYS) out[k] = v;
  }
  return out;
}

/**
 * A stored message as the WebSocket `message` frame and the SSE `data` object show it; body
 * encoding and msgId follow the HTTP door's receive (utf8 when valid UTF-8; the consumer msgId).
 */
export function messageFields(message: StoredMessage, topic: string, deliveryAttempt: number): MessageFields {
  const { body, encoding } = encodeBody(message.body);
  return {
    topic,
    queueId: message.queueId,
    queueOffset: message.queueOffset,
    msgId: consumerMsgId(message),
    tag: message.tags ?? null,
    keys: message.keys,
    properties: userProperties(message.properties),
    body,
    encoding,
    deliveryAttempt,
    bornTimestamp: message.bornTimestamp,
    storeTimestamp: message.storeTimestamp,
  };
}

/** `{code, message}` of a CometError; anything else is INTERNAL (the detail stays in the log). */
export function errorBody(e: unknown): ErrorBody {
  if (isCometError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: 'internal error' };
}
