import { isCometError } from '../../../kernel/errors.js';
import type { StoredMessage } from '../../../kernel/messaging/message.js';
import { isUtf8 } from 'node:buffer';
import { consumerMsgId } from '../../../kernel/messaging/message.js';
import { encodeBody, userProperties } from '../encoding.js';
import type { ErrorBody, MessageFields } from './protocol.js';

/** The fields of a message frame before its body, in frame order. */
function headFields(message: StoredMessage, topic: string) {
  return {
    topic,
    queueId: message.queueId,
    queueOffset: message.queueOffset,
    msgId: consumerMsgId(message),
    tag: message.tags ?? null,
    keys: message.keys,
    properties: userProperties(message.properties),
  };
}

/** The fields of a message frame after its body, in frame order. */
function tailFields(message: StoredMessage, encoding: MessageFields['encoding'], deliveryAttempt: number) {
  return { encoding, deliveryAttempt, bornTimestamp: message.bornTimestamp, storeTimestamp: message.storeTimestamp };
}

/**
 * A stored message as the WebSocket `message` frame and the SSE `data` object show it; body
 * encoding and msgId follow the HTTP door's receive (utf8 when valid UTF-8; the consumer msgId).
 */
export function messageFields(message: StoredMessage, topic: string, deliveryAttempt: number): MessageFields {
  const { body, encoding } = encodeBody(message.body);
  return { ...headFields(message, topic), body, ...tailFields(message, encoding, deliveryAttempt) };
}

/** A byte JSON must escape in a string: a control character, `"` or `\\`. */
function escaped(c: number): boolean {
  return c < 0x20 || c === 0x22 || c === 0x5c;
}

/**
 * True when UTF-8 bytes can stand inside a JSON string as they are: no `"`, no `\\`, no control
 * character. Four bytes at a time on the aligned middle (bit tricks that flag a zero byte or a byte
 * below 0x20 in a 32-bit word, exact for every byte value): a byte loop was ~7 % of a push.
 */
function jsonSafeBytes(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < head; i++) if (escaped(bytes[i]!)) return false;
  const words = (n - i) >>> 2;
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const x = w[k]!;
      const quote = x ^ 0x22222222;
      const slash = x ^ 0x5c5c5c5c;
      if ((((x - 0x20202020) & ~x) | ((quote - 0x01010101) & ~quote) | ((slash - 0x01010101) & ~slash)) & 0x80808080) return false;
    }
    i += words << 2;
  }
  for (; i < n; i++) if (escaped(bytes[i]!)) return false;
  return true;
}

/**
 * The WebSocket `message` frame of a delivery as UTF-8 bytes, equal as JSON to
 * `JSON.stringify({op: 'message', subscription, handle, ...messageFields(...)})` (same fields, same
 * order), but built without a string of the body: the body's bytes are copied in as they are when
 * they are UTF-8 that needs no escaping, or as base64 text otherwise. JSON.stringify of the whole
 * frame and the re-encoding of its text to bytes cost more than everything else of a push.
 */
export function messageFrameBytes(subscription: string, handle: string, message: StoredMessage, topic: string, deliveryAttempt: number): Buffer {
  const bytes = message.body;
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = isUtf8(raw);
  // The fields around the body, as JSON.stringify writes them: `{…,"body":` and `,"encoding":…}`.
  const head = `${JSON.stringify({ op: 'message', subscription, handle, ...headFields(message, topic) }).slice(0, -1)},"body":`;
  const tail = `,${JSON.stringify(tailFields(message, utf8 ? 'utf8' : 'base64', deliveryAttempt)).slice(1)}`;
  const headBytes = Buffer.byteLength(head);
  if (utf8 && jsonSafeBytes(raw)) {
    const out = Buffer.allocUnsafe(headBytes + raw.length + 2 + tail.length);
    let at = out.write(head, 0, 'utf8');
    out[at++] = 0x22;
    at += raw.copy(out, at);
    out[at++] = 0x22;
    out.write(tail, at, 'latin1');
    return out;
  }
  const text = utf8 ? JSON.stringify(raw.toString('utf8')) : `"${raw.toString('base64')}"`;
  const textBytes = utf8 ? Buffer.byteLength(text) : text.length;
  const out = Buffer.allocUnsafe(headBytes + textBytes + tail.length);
  let at = out.write(head, 0, 'utf8');
  at += out.write(text, at, utf8 ? 'utf8' : 'latin1');
  out.write(tail, at, 'latin1');
  return out;
}

/** `{code, message}` of a CometError; anything else is INTERNAL (the detail stays in the log). */
export function errorBody(e: unknown): ErrorBody {
  if (isCometError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: 'internal error' };
}
