import { createHash } from 'node:crypto';
import { CometError } from '../../kernel/errors.js';
import { validateTopicName } from '../../kernel/messaging/names.js';

/**
 * A receipt handle names one delivery: the group (as a short hash), the subscribed topic, whether
 * the message came from the group's retry topic, the queue, the queue offset, the delivery attempt
 * and the invisible-until time it was issued with. Encoded as base64url of a JSON array whose first
 * element is the format version, so it is URL-safe, small and stays valid across restarts.
 */
export interface ReceiptHandle {
  readonly groupTag: string;
  /** The topic the consumer subscribed to. */
  readonly topic: string;
  /** True when the message is a copy on `%RETRY%<group>` (then `queueId`/`offset` are the retry queue's). */
  readonly retry: boolean;
  readonly queueId: number;
  readonly offset: number;
  readonly attempt: number;
  readonly invisibleUntil: number;
}

export const HANDLE_VERSION = 1;
/** Handles longer than this are rejected before decoding (a real one is ~100–250 characters). */
export const MAX_HANDLE_LENGTH = 1024;
const MAX_QUEUE_ID = 65_535;
const MAX_ATTEMPT = 1_000_000;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** 8 base64url characters of SHA-256(group): tells groups apart without putting the name in every handle. */
export function groupTag(group: string): string {
  return createHash('sha256').update(group, 'utf8').digest('base64url').slice(0, 8);
}

export function encodeHandle(h: ReceiptHandle): string {
  const tuple = [HANDLE_VERSION, h.groupTag, h.topic, h.retry ? 1 : 0, h.queueId, h.offset, h.attempt, h.invisibleUntil];
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url');
}

/** Parse a handle issued for `expectedGroupTag`; anything else is RECEIPT_HANDLE_INVALID (never another error). */
export function decodeHandle(text: unknown, expectedGroupTag: string): ReceiptHandle {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_HANDLE_LENGTH || !BASE64URL.test(text)) {
    throw invalid('is not a base64url string of 1…1024 characters');
  }
  let tuple: unknown;
  try {
    tuple = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid('does not decode');
  }
  const h = fromTuple(tuple);
  if (h.groupTag !== expectedGroupTag) throw invalid('belongs to another group');
  return h;
}

function fromTuple(tuple: unknown): ReceiptHandle {
  if (!Array.isArray(tuple) || tuple.length !== 8) throw invalid('has an unknown layout');
  const [version, tag, topic, retry, queueId, offset, attempt, invisibleUntil] = tuple as unknown[];
  if (version !== HANDLE_VERSION) throw invalid(`has unknown version ${JSON.stringify(version) ?? 'undefined'}`);
  if (typeof tag !== 'string' || tag.length !== 8) throw invalid('has no group tag');
  if (!isTopic(topic)) throw invalid('names an invalid topic');
  if (retry !== 0 && retry !== 1) throw invalid('has an invalid retry flag');
  if (!inRange(queueId, 0, MAX_QUEUE_ID)) throw invalid('has an invalid queue id');
  if (!inRange(offset, 0, Number.MAX_SAFE_INTEGER)) throw invalid('has an invalid offset');
  if (!inRange(attempt, 1, MAX_ATTEMPT)) throw invalid('has an invalid attempt');
  if (!inRange(invisibleUntil, 0, Number.MAX_SAFE_INTEGER)) throw invalid('has an invalid invisible time');
  return { groupTag: tag, topic, retry: retry === 1, queueId, offset, attempt, invisibleUntil };
}

function isTopic(topic: unknown): topic is string {
  try {
    validateTopicName(topic);
    return true;
  } catch {
    return false;
  }
}

function inRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function invalid(why: string): CometError {
  return new CometError('RECEIPT_HANDLE_INVALID', `receipt handle ${why}`);
}
