import { CometError, fromWireError } from './errors.js';
import type { ProduceResult, ServerFrame, WireMessageFrame } from './types.js';

/** Checks on what the broker sends: a malformed frame is reported, never trusted. */
type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function isStringRecord(v: unknown): v is Readonly<Record<string, string>> {
  return isObj(v) && Object.values(v).every(isStr);
}

function isMessageFrame(f: Obj): boolean {
  return (
    isStr(f.subscription) &&
    isStr(f.handle) &&
    isStr(f.topic) &&
    isInt(f.queueId) &&
    isInt(f.queueOffset) &&
    isStr(f.msgId) &&
    isStr(f.body) &&
    (f.encoding === 'utf8' || f.encoding === 'base64') &&
    isInt(f.deliveryAttempt) &&
    (f.tag === undefined || f.tag === null || isStr(f.tag)) &&
    (f.keys === undefined || (Array.isArray(f.keys) && f.keys.every(isStr))) &&
    (f.properties === undefined || isStringRecord(f.properties))
  );
}

/** The frame, or a description of what is wrong with it. */
export function parseServerFrame(text: string): ServerFrame | string {
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch {
    return 'frame is not JSON';
  }
  if (!isObj(f)) return 'frame is not a JSON object';
  switch (f.op) {
    case 'produced':
      return isStr(f.id) && Array.isArray(f.results) ? (f as ServerFrame) : 'bad produced frame';
    case 'subscribed':
      return isStr(f.id) && isStr(f.subscription) ? (f as ServerFrame) : 'bad subscribed frame';
    case 'message':
      return isMessageFrame(f) ? (f as unknown as WireMessageFrame) : 'bad message frame';
    case 'error':
      return isObj(f.error) && isStr(f.error.code) ? (f as ServerFrame) : 'bad error frame';
    case 'unsubscribed':
      return isStr(f.subscription) && isObj(f.error) && isStr(f.error.code) ? (f as ServerFrame) : 'bad unsubscribed frame';
    default:
      return `unknown op ${JSON.stringify(f.op)}`;
  }
}

/** One `results` entry of a produce answer (HTTP or WebSocket); a rejection carries `status`. */
export function parseProduceResult(entry: unknown, status = 0): ProduceResult {
  if (isObj(entry) && isStr(entry.msgId) && isInt(entry.queueId) && isInt(entry.queueOffset)) {
    return { status: 'ok', msgId: entry.msgId, queueId: entry.queueId, queueOffset: entry.queueOffset };
  }
  const error = isObj(entry) ? fromWireError(entry.error, status) : undefined;
  return {
    status: 'rejected',
    error: error ?? new CometError('SDK_NETWORK_ERROR', `unexpected produce result ${JSON.stringify(entry)}`, 502),
  };
}

/**
 * The `results` array of an answer, checked against the number of messages sent. Per-message
 * rejections carry status 0. When no message was stored the call failed as a whole: throws the
 * first rejection's error with `failStatus` (the answer's HTTP status; 0 over the WebSocket).
 */
export function parseProduceResults(results: unknown, expected: number, failStatus: number): ProduceResult[] {
  if (!Array.isArray(results) || results.length !== expected) {
    throw new CometError('SDK_NETWORK_ERROR', `the broker answered ${Array.isArray(results) ? results.length : 'no'} results for ${expected} messages`, 502);
  }
  const parsed = results.map((r) => parseProduceResult(r));
  if (parsed.every((r) => r.status === 'rejected')) {
    const first = parseProduceResult(results[0], failStatus);
    if (first.status === 'rejected') throw first.error;
  }
  return parsed;
}
