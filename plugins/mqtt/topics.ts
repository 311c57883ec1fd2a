import { TOPIC_MAX_LENGTH } from '../../kernel/messaging/names.js';

/**
 * MQTT topic names and filters (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7, §4.8.2) and their mapping onto
 * CometMQ topics (docs/mqtt.md "Mapping"): the first level of an MQTT topic is the CometMQ topic,
 * the second level (when present and non-empty) the tag, and the whole path travels in the
 * message property MQTT_TOPIC, which subscriptions filter on.
 */

/** RocketMQ's topic charset, which the first level must satisfy. */
const STORE_TOPIC_RE = /^[%|a-zA-Z0-9_-]+$/;
/** Largest UTF-8 string the protocol can carry (two-byte length prefix). */
const MAX_STRING_BYTES = 65_535;

export type TopicCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const ok: TopicCheck = { ok: true };
const bad = (reason: string): TopicCheck => ({ ok: false, reason });

/** A topic name a client may publish to: §4.7.3 (non-empty, no wildcards, no U+0000) and a valid first level. */
export function checkTopicName(name: string): TopicCheck {
  if (name.length === 0) return bad('the topic name is empty');
  if (Buffer.byteLength(name) > MAX_STRING_BYTES) return bad('the topic name is longer than 65535 bytes');
  // §4.7.1: wildcard characters must not be used within a topic name.
  if (name.includes('+') || name.includes('#')) return bad(`topic name ${JSON.stringify(name)} contains a wildcard`);
  if (name.includes('\u0000')) return bad('the topic name contains U+0000');
  // §4.7.2: topics beginning with $ are the server's; clients cannot publish to them.
  if (name.startsWith('$')) return bad(`topic name ${JSON.stringify(name)} starts with $ (reserved for the server)`);
  return checkFirstLevel(firstLevel(name));
}

function checkFirstLevel(level: string): TopicCheck {
  if (level.length === 0) return bad('the first topic level (the CometMQ topic) is empty');
  if (level.length > TOPIC_MAX_LENGTH) return bad(`the first topic level is longer than ${TOPIC_MAX_LENGTH} characters`);
  if (!STORE_TOPIC_RE.test(level)) return bad(`the first topic level ${JSON.stringify(level)} has characters outside [%|a-zA-Z0-9_-] (it names the CometMQ topic)`);
  return ok;
}

export function firstLevel(name: string): string {
  const i = name.indexOf('/');
  return i < 0 ? name : name.slice(0, i);
}

/** The tag a published MQTT topic maps to: its second level, when present and non-empty. */
export function tagOf(name: string): string | undefined {
  const i = name.indexOf('/');
  if (i < 0) return undefined;
  const j = name.indexOf('/', i + 1);
  const second = j < 0 ? name.slice(i + 1) : name.slice(i + 1, j);
  return second.length > 0 ? second : undefined;
}

/** A parsed subscription filter. `share` is the share name of `$share/{share}/{filter}` (MQTT 5 §4.8.2). */
export interface TopicFilter {
  readonly text: string;
  readonly share: string | undefined;
  /** The filter without the `$share/{name}/` prefix. */
  readonly filter: string;
  readonly levels: readonly string[];
  /** The CometMQ topic it reads (its literal first level); undefined for `#` / `+/…`: every user topic. */
  readonly storeTopic: string | undefined;
  /** What reads it for a session: the topic, `$share/{name}/{topic}`, or '' for every topic. */
  readonly feed: string;
}

export type FilterParse = { readonly ok: true; readonly filter: TopicFilter } | { readonly ok: false; readonly reason: string };

/**
 * Parse a subscription filter: §4.7.1.2 (`#` alone and last), §4.7.1.3 (`+` a whole level), §4.8.2
 * (`$share/{ShareName}/{filter}`, share name without `/`, `+`, `#`). A literal first level names the
 * one CometMQ topic the filter reads; a wildcard first level reads every user topic (not shared).
 */
export function parseFilter(text: string): FilterParse {
  if (text.length === 0) return { ok: false, reason: 'the topic filter is empty' };
  if (Buffer.byteLength(text) > MAX_STRING_BYTES) return { ok: false, reason: 'the topic filter is longer than 65535 bytes' };
  if (text.includes('\u0000')) return { ok: false, reason: 'the topic filter contains U+0000' };
  let share: string | undefined;
  let filter = text;
  if (text.startsWith('$share/')) {
    const rest = text.slice('$share/'.length);
    const i = rest.indexOf('/');
    if (i <= 0) return { ok: false, reason: `shared subscription ${JSON.stringify(text)} needs $share/{name}/{filter}` };
    share = rest.slice(0, i);
    filter = rest.slice(i + 1);
    if (share.includes('+') || share.includes('#')) return { ok: false, reason: `share name ${JSON.stringify(share)} contains a wildcard` };
    if (filter.length === 0) return { ok: false, reason: `shared subscription ${JSON.stringify(text)} has an empty filter` };
  }
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return { ok: false, reason: `in ${JSON.stringify(text)}, # must be a whole level and the last one` };
    }
    if (level.includes('+') && level !== '+') return { ok: false, reason: `in ${JSON.stringify(text)}, + must be a whole level` };
  }
  const first = levels[0]!;
  if (first === '+' || first === '#') {
    if (share !== undefined) return { ok: false, reason: `shared filter ${JSON.stringify(text)} starts with a wildcard; a shared subscription reads one CometMQ topic` };
    return { ok: true, filter: { text, share, filter, levels, storeTopic: undefined, feed: '' } };
  }
  const firstCheck = first.startsWith('$') ? bad(`filter ${JSON.stringify(text)} names a $ topic, which this broker does not publish`) : checkFirstLevel(first);
  if (!firstCheck.ok) return firstCheck;
  return { ok: true, filter: { text, share, filter, levels, storeTopic: first, feed: share === undefined ? first : `$share/${share}/${first}` } };
}

/**
 * Does `topic` match the filter levels? §4.7.1: `+` matches one level (also an empty one), a
 * trailing `#` matches the parent and any number of levels below; §4.7.2: a filter starting with a
 * wildcard does not match topics starting with `$`.
 */
export function matches(levels: readonly string[], topic: string): boolean {
  if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
  let pos = 0;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '#') return true;
    const end = topic.indexOf('/', pos);
    const stop = end < 0 ? topic.length : end;
    if (level !== '+' && topic.slice(pos, stop) !== level) return false;
    pos = stop + 1;
    if (end < 0) {
      // The topic has no more levels: it matches if the filter has none either, or only a trailing #.
      return i === levels.length - 1 || (i === levels.length - 2 && levels[i + 1] === '#');
    }
  }
  return false;
}
