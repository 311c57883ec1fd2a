import { optionError } from './errors.js';
import type { ProduceInput, ProduceMessage, WireProduceMessage } from './types.js';

/** Body bytes ↔ wire text. Browser globals only (TextEncoder/TextDecoder, btoa/atob): no Buffer. */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Bytes per String.fromCharCode call: stays far below engines' argument-count limits. */
const CHUNK = 0x8000;

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function base64Encode(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Throws (DOMException / Error) on text that is not base64. */
export function base64Decode(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function asBytes(body: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function isBinary(value: unknown): value is Uint8Array | ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** The wire body: a string goes as UTF-8 text, bytes as base64, `json` as its JSON text. */
function wireBody(message: ProduceMessage, index: number): Pick<WireProduceMessage, 'body' | 'encoding'> {
  const hasBody = message.body !== undefined;
  const hasJson = 'json' in message && message.json !== undefined;
  if (hasBody === hasJson) throw optionError(`messages[${index}]: give exactly one of body and json`);
  if (hasJson) {
    const text = JSON.stringify(message.json);
    if (text === undefined) throw optionError(`messages[${index}].json is not JSON-serialisable`);
    return { body: text, encoding: 'utf8' };
  }
  if (typeof message.body === 'string') return { body: message.body, encoding: 'utf8' };
  if (isBinary(message.body)) return { body: base64Encode(asBytes(message.body)), encoding: 'base64' };
  throw optionError(`messages[${index}].body must be a string, Uint8Array or ArrayBuffer (use json for objects)`);
}

/** One produce input (text, bytes or a ProduceMessage) as the wire message of the HTTP and WS APIs. */
export function toWireMessage(input: ProduceInput, index = 0): WireProduceMessage {
  if (typeof input === 'string' || isBinary(input)) return wireBody({ body: input }, index);
  if (typeof input !== 'object' || input === null) throw optionError(`messages[${index}] must be a string, bytes or a message object`);
  const wire: { -readonly [K in keyof WireProduceMessage]: WireProduceMessage[K] } = wireBody(input, index);
  if (input.tag !== undefined) wire.tag = input.tag;
  if (input.keys !== undefined) wire.keys = typeof input.keys === 'string' ? [input.keys] : [...input.keys];
  if (input.properties !== undefined) wire.properties = { ...input.properties };
  if (input.shardingKey !== undefined) wire.shardingKey = input.shardingKey;
  if (input.delayLevel !== undefined) wire.delayLevel = input.delayLevel;
  if (input.deliverAt !== undefined) wire.deliverAt = input.deliverAt instanceof Date ? input.deliverAt.getTime() : input.deliverAt;
  return wire;
}

/** `produce(topic, x)` takes one input or an array of them. */
export function toWireMessages(input: ProduceInput | readonly ProduceInput[]): WireProduceMessage[] {
  const list = Array.isArray(input) ? (input as readonly ProduceInput[]) : [input as ProduceInput];
  if (list.length === 0) throw optionError('produce needs at least one message');
  return list.map((m, i) => toWireMessage(m, i));
}
