import { deflateSync, inflateSync } from 'node:zlib';
import { CometError } from '../kernel/errors.js';
import { PROPERTY } from '../kernel/messaging/message.js';
import { validateTopicName } from '../kernel/messaging/names.js';
import { decodeProperties, encodeProperties, RecordView, splitKeys } from '../kernel/messaging/record.js';
import type { Message, MessageQueue, ReceivedMessage } from './types.js';

/** Bodies of at least this many bytes are zlib-compressed with sysFlag bit 0 (§3.2, like Java/ali-ons). */
export const COMPRESS_OVER_BYTES = 4096;
export const SYSFLAG_COMPRESSED = 1;
/** Broker maxMessageSize (§5). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface EncodedMessage {
  readonly topic: string;
  readonly body: Buffer;
  readonly sysFlag: number;
  /** Serialized properties (§3.3). */
  readonly properties: string;
  readonly flag: number;
}

export function bodyBytes(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new CometError('SDK_OPTION_INVALID', 'message body must be a Uint8Array or a string');
}

/** The property map of a user message: its properties, then TAGS, KEYS and DELAY from the fields. */
export function messageProperties(msg: Message, extra?: Readonly<Record<string, string>>): Record<string, string> {
  const props: Record<string, string> = { ...(msg.properties ?? {}) };
  if (msg.tags !== undefined && msg.tags.length > 0) props[PROPERTY.TAGS] = msg.tags;
  const keys = typeof msg.keys === 'string' ? splitKeys(msg.keys) : [...(msg.keys ?? [])];
  if (keys.length > 0) props[PROPERTY.KEYS] = keys.join(' ');
  if (msg.delayLevel !== undefined && msg.delayLevel !== 0) {
    if (!Number.isInteger(msg.delayLevel) || msg.delayLevel < 0) {
      throw new CometError('SDK_OPTION_INVALID', `delayLevel ${msg.delayLevel} must be a non-negative integer`);
    }
    props[PROPERTY.DELAY] = String(msg.delayLevel);
  }
  return { ...props, ...(extra ?? {}) };
}

/** Validate and encode one message for SEND_MESSAGE_V2 (§2.4). */
export function encodeMessage(msg: Message, compress = true): EncodedMessage {
  const topic = validateTopicName(msg.topic);
  let body = bodyBytes(msg.body);
  if (body.length > MAX_BODY_BYTES) throw new CometError('MESSAGE_TOO_LARGE', `body is ${body.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  let sysFlag = 0;
  if (compress && body.length >= COMPRESS_OVER_BYTES) {
    body = deflateSync(body, { level: 5 });
    sysFlag |= SYSFLAG_COMPRESSED;
  }
  return { topic, body, sysFlag, properties: encodeProperties(messageProperties(msg)), flag: msg.flag ?? 0 };
}

/**
 * Java MessageBatch body (MessageDecoder.encodeMessages): per message
 * int totalSize, int magic 0, int bodyCRC 0, int flag, int bodyLen, body, short propsLen, props.
 */
export function encodeBatchBody(messages: readonly Message[]): { topic: string; body: Buffer } {
  if (messages.length === 0) throw new CometError('SDK_OPTION_INVALID', 'a batch needs at least one message');
  const topic = validateTopicName(messages[0]!.topic);
  const parts: Buffer[] = [];
  for (const msg of messages) {
    if (msg.topic !== topic) throw new CometError('SDK_OPTION_INVALID', 'every message of a batch must have the same topic');
    if (msg.delayLevel !== undefined && msg.delayLevel > 0) throw new CometError('SDK_OPTION_INVALID', 'batch messages cannot have a delay level');
    const body = bodyBytes(msg.body);
    const props = Buffer.from(encodeProperties(messageProperties(msg)), 'utf8');
    const size = 20 + body.length + 2 + props.length;
    const part = Buffer.allocUnsafe(size);
    part.writeInt32BE(size, 0);
    part.writeInt32BE(0, 4);
    part.writeInt32BE(0, 8);
    part.writeInt32BE((msg.flag ?? 0) | 0, 12);
    part.writeInt32BE(body.length, 16);
    body.copy(part, 20);
    part.writeInt16BE(props.length, 20 + body.length);
    props.copy(part, 22 + body.length);
    parts.push(part);
  }
  const body = Buffer.concat(parts);
  if (body.length > MAX_BODY_BYTES) throw new CometError('MESSAGE_TOO_LARGE', `batch body is ${body.length} bytes; the limit is ${MAX_BODY_BYTES}`);
  return { topic, body };
}

/** Bytes of a MessageBatch item besides its body and properties. */
export const BATCH_ITEM_OVERHEAD = 22;

/** Write one encoded (uncompressed) message as a MessageBatch item at `at`; returns the end. */
export function writeBatchItem(out: Buffer, at: number, m: EncodedMessage): number {
  // Properties first: their written length gives the item size without measuring the string twice.
  const p = out.write(m.properties, at + 22 + m.body.length, 'utf8');
  const size = BATCH_ITEM_OVERHEAD + m.body.length + p;
  out.writeInt32BE(size, at);
  out.writeInt32BE(0, at + 4);
  out.writeInt32BE(0, at + 8);
  out.writeInt32BE(m.flag | 0, at + 12);
  out.writeInt32BE(m.body.length, at + 16);
  m.body.copy(out, at + 20);
  out.writeInt16BE(p, at + 20 + m.body.length);
  return at + size;
}

/** Whether a message asks for delayed delivery (never batched: the broker refuses delay in a batch). */
export function isDelayed(msg: Message): boolean {
  return (msg.delayLevel !== undefined && msg.delayLevel !== 0) || (msg.properties !== undefined && msg.properties[PROPERTY.DELAY] !== undefined);
}

/** Decode a MessageBatch body back into messages (tests and tools). */
export function decodeBatchBody(topic: string, body: Uint8Array): Message[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: Message[] = [];
  for (let at = 0; at < buf.length; ) {
    const size = buf.readInt32BE(at);
    const flag = buf.readInt32BE(at + 12);
    const n = buf.readInt32BE(at + 16);
    const msgBody = buf.subarray(at + 20, at + 20 + n);
    const p = buf.readInt16BE(at + 20 + n);
    const properties = decodeProperties(buf.toString('utf8', at + 22 + n, at + 22 + n + p));
    out.push({ topic, body: msgBody, flag, properties });
    at += size;
  }
  return out;
}

/**
 * Split a PULL_MESSAGE body (records back to back, §2.5/§3.1) into received messages. Compressed
 * bodies are inflated; `%RETRY%` messages show RETRY_TOPIC as their topic (§2.10.3).
 */
export function decodePulledRecords(body: Uint8Array | undefined, mq: MessageQueue): ReceivedMessage[] {
  if (body === undefined || body.length === 0) return [];
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: ReceivedMessage[] = [];
  for (let at = 0; at + 4 <= buf.length; ) {
    const size = buf.readInt32BE(at);
    if (size <= 0 || at + size > buf.length) break;
    out.push(toReceived(new RecordView(buf.subarray(at, at + size)), mq.brokerName));
    at += size;
  }
  return out;
}

function toReceived(r: RecordView, brokerName: string): ReceivedMessage {
  const properties = r.properties;
  const sourceTopic = r.topic;
  const retryTopic = properties[PROPERTY.RETRY_TOPIC];
  const raw = r.body;
  const body = (r.sysFlag & SYSFLAG_COMPRESSED) !== 0 ? inflateSync(raw) : Buffer.from(raw);
  return {
    topic: sourceTopic.startsWith('%RETRY%') && retryTopic !== undefined ? retryTopic : sourceTopic,
    sourceTopic,
    brokerName,
    queueId: r.queueId,
    queueOffset: r.queueOffset,
    commitLogOffset: r.physicalOffset,
    msgId: r.msgId,
    body,
    tags: r.tags,
    keys: r.keys,
    properties,
    reconsumeTimes: r.reconsumeTimes,
    bornTimestamp: r.bornTimestamp,
    storeTimestamp: r.storeTimestamp,
    flag: r.flag,
  };
}

export const mqKey = (mq: MessageQueue): string => `${mq.topic}@${mq.brokerName}@${mq.queueId}`;

/** Sort order of queues for allocation (§4.5): topic, brokerName, queueId. */
export function compareQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}
