import { crc32 } from 'node:zlib';
import { CometError } from '../errors.js';
import type { HostAddress, StoredMessage } from './message.js';
import { PROPERTY } from './message.js';
import { ipv4Bytes, offsetHex } from './msgid.js';

/**
 * RocketMQ 4.x V1 record codec (shared/rocketmq-protocol.md §3.1), properties codec (§3.3).
 * msgIds use ./msgid.ts (§3.4). Everything is encoded straight into a caller-provided buffer.
 */
export const MAGIC_V1 = 0xdaa320a7 | 0;
/** Blank filler at the end of a commit-log segment (RocketMQ BLANK_MAGIC_CODE). */
export const MAGIC_BLANK = 0xcbd43194 | 0;
/** Smallest blank filler: TOTALSIZE + MAGIC (RocketMQ END_FILE_MIN_BLANK_LENGTH). */
export const BLANK_MIN_BYTES = 8;
/** Fixed part of a V1/IPv4 record: 91 + body + topic + properties. */
export const RECORD_FIXED_BYTES = 91;
export const MAX_PROPERTIES_BYTES = 32767;
export const MAX_TOPIC_BYTES = 127;

export const OFF = {
  TOTALSIZE: 0,
  MAGIC: 4,
  BODYCRC: 8,
  QUEUEID: 12,
  FLAG: 16,
  QUEUEOFFSET: 20,
  PHYSICALOFFSET: 28,
  SYSFLAG: 36,
  BORNTIMESTAMP: 40,
  BORNHOST: 48,
  STORETIMESTAMP: 56,
  STOREHOST: 64,
  RECONSUMETIMES: 72,
  PREPAREDTXOFFSET: 76,
  BODYLENGTH: 84,
  BODY: 88,
} as const;

const SEP_VALUE = '\u0001';
const SEP_ITEM = '\u0002';
const TWO32 = 4294967296;

/** Everything a record holds except the derived fields (sizes, CRC). */
export interface RecordFields {
  readonly body: Uint8Array;
  /** Topic as UTF-8 bytes (callers cache it). */
  readonly topicBytes: Uint8Array;
  /** Serialized properties (encodeProperties). */
  readonly properties: string;
  readonly propertiesBytes: number;
  readonly queueId: number;
  readonly flag: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  /** 4 IPv4 bytes (hostBytes) and port. */
  readonly bornHost: Uint8Array;
  readonly bornPort: number;
  readonly storeTimestamp: number;
  readonly storeHost: Uint8Array;
  readonly storePort: number;
  readonly reconsumeTimes: number;
  readonly preparedTransactionOffset: number;
}

export function recordSize(bodyBytes: number, topicBytes: number, propertiesBytes: number): number {
  return RECORD_FIXED_BYTES + bodyBytes + topicBytes + propertiesBytes;
}

/** IPv4 bytes of a host (`::ffff:a.b.c.d` mapped; anything else → 0.0.0.0). */
export function hostBytes(address: string): Uint8Array {
  return Uint8Array.from(ipv4Bytes(address));
}

export function writeInt64(buf: Buffer, off: number, v: number): void {
  if (v >= 0) {
    buf.writeUInt32BE(Math.floor(v / TWO32) >>> 0, off);
    buf.writeUInt32BE(v >>> 0, off + 4);
  } else {
    buf.writeBigInt64BE(BigInt(Math.trunc(v)), off);
  }
}

export function readInt64(buf: Uint8Array, off: number): number {
  const b = buf as Buffer;
  const hi = b.readInt32BE(off);
  const lo = b.readUInt32BE(off + 4);
  return hi * TWO32 + lo;
}

export function bodyCrc(body: Uint8Array): number {
  return crc32(body) & 0x7fffffff;
}

/** Encode one record at `off`; returns its size. The caller sized `buf` with recordSize(). */
export function encodeRecord(buf: Buffer, off: number, f: RecordFields): number {
  const n = f.body.length;
  const t = f.topicBytes.length;
  const p = f.propertiesBytes;
  const size = RECORD_FIXED_BYTES + n + t + p;
  buf.writeInt32BE(size, off);
  buf.writeInt32BE(MAGIC_V1, off + OFF.MAGIC);
  buf.writeInt32BE(bodyCrc(f.body), off + OFF.BODYCRC);
  buf.writeInt32BE(f.queueId, off + OFF.QUEUEID);
  buf.writeInt32BE(f.flag | 0, off + OFF.FLAG);
  writeInt64(buf, off + OFF.QUEUEOFFSET, f.queueOffset);
  writeInt64(buf, off + OFF.PHYSICALOFFSET, f.physicalOffset);
  buf.writeInt32BE(f.sysFlag & ~0x30, off + OFF.SYSFLAG);
  writeInt64(buf, off + OFF.BORNTIMESTAMP, f.bornTimestamp);
  buf.set(f.bornHost, off + OFF.BORNHOST);
  buf.writeInt32BE(f.bornPort | 0, off + OFF.BORNHOST + 4);
  writeInt64(buf, off + OFF.STORETIMESTAMP, f.storeTimestamp);
  buf.set(f.storeHost, off + OFF.STOREHOST);
  buf.writeInt32BE(f.storePort | 0, off + OFF.STOREHOST + 4);
  buf.writeInt32BE(f.reconsumeTimes | 0, off + OFF.RECONSUMETIMES);
  writeInt64(buf, off + OFF.PREPAREDTXOFFSET, f.preparedTransactionOffset);
  buf.writeInt32BE(n, off + OFF.BODYLENGTH);
  buf.set(f.body, off + OFF.BODY);
  let pos = off + OFF.BODY + n;
  buf[pos++] = t;
  buf.set(f.topicBytes, pos);
  pos += t;
  buf.writeInt16BE(p, pos);
  pos += 2;
  if (p > 0) buf.write(f.properties, pos, p, 'utf8');
  return size;
}

/** Write a blank filler header of `length` bytes (>= 8) at `off`. */
export function encodeBlank(buf: Buffer, off: number, length: number): void {
  buf.writeInt32BE(length, off);
  buf.writeInt32BE(MAGIC_BLANK, off + 4);
}

// ── properties (§3.3) ───────────────────────────────────────────────────────────────────────────

function checkPropertyText(s: string, what: string): void {
  if (s.includes(SEP_VALUE) || s.includes(SEP_ITEM)) {
    throw new CometError('MESSAGE_PROPERTY_INVALID', `property ${what} ${JSON.stringify(s)} contains U+0001 or U+0002`);
  }
}

/** `k\u0001v\u0002...` without the trailing separator (Java's writer). Throws MESSAGE_PROPERTY_INVALID. */
export function encodeProperties(props: Readonly<Record<string, string>>): string {
  if (props === NO_PROPERTIES) return '';
  let out = '';
  for (const key of Object.keys(props)) {
    const value = props[key];
    if (value === undefined) continue;
    if (key.length === 0) throw new CometError('MESSAGE_PROPERTY_INVALID', 'property key is empty');
    checkPropertyText(key, 'key');
    checkPropertyText(value, 'value');
    if (out.length > 0) out += SEP_ITEM;
    out += key + SEP_VALUE + value;
  }
  return out;
}

/** Tolerant reader: skips empty items, items without a key or without U+0001 (ali-ons' trailing U+0002). */
export function decodeProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(SEP_ITEM, start);
    if (end < 0) end = text.length;
    const i = text.indexOf(SEP_VALUE, start);
    if (i > start && i < end) {
      const key = text.slice(start, i);
      // A key `__proto__` stays a plain own property (never a prototype change); the rest are plain
      // assignments, so messages with the same keys share one object shape.
      if (key === '__proto__') Object.defineProperty(out, key, { value: text.slice(i + 1, end), enumerable: true, writable: true, configurable: true });
      else out[key] = text.slice(i + 1, end);
    }
    start = end + 1;
  }
  return out;
}

const NO_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({});

/** The properties a message is stored with: user properties, then TAGS/KEYS from their fields. */
export function mergeProperties(
  properties: Readonly<Record<string, string>> | undefined,
  tags: string | undefined,
  keys: readonly string[] | undefined,
): Readonly<Record<string, string>> {
  if (tags === undefined && (keys === undefined || keys.length === 0)) return properties ?? NO_PROPERTIES;
  const merged: Record<string, string> = { ...(properties ?? {}) };
  if (tags !== undefined) merged[PROPERTY.TAGS] = tags;
  if (keys !== undefined && keys.length > 0) merged[PROPERTY.KEYS] = keys.join(' ');
  return merged;
}

export function splitKeys(keys: string | undefined): string[] {
  if (keys === undefined || keys.length === 0) return [];
  return keys.split(' ').filter((k) => k.length > 0);
}

// ── decode ──────────────────────────────────────────────────────────────────────────────────────

const HEX = '0123456789ABCDEF';

function hostAt(raw: Buffer, off: number): HostAddress {
  return { address: `${raw[off]}.${raw[off + 1]}.${raw[off + 2]}.${raw[off + 3]}`, port: raw.readInt32BE(off + 4) };
}

/**
 * A stored message over its raw record bytes (`raw` is a zero-copy view). Fields decode on first
 * access; the constructor reads nothing.
 */
export class RecordView implements StoredMessage {
  readonly raw: Buffer;
  #props: Record<string, string> | undefined;
  #topic: string | undefined;

  constructor(raw: Uint8Array) {
    this.raw = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  }

  get size(): number {
    return this.raw.readInt32BE(OFF.TOTALSIZE);
  }
  get bodyCrc(): number {
    return this.raw.readInt32BE(OFF.BODYCRC);
  }
  get queueId(): number {
    return this.raw.readInt32BE(OFF.QUEUEID);
  }
  get flag(): number {
    return this.raw.readInt32BE(OFF.FLAG);
  }
  get queueOffset(): number {
    return readInt64(this.raw, OFF.QUEUEOFFSET);
  }
  get physicalOffset(): number {
    return readInt64(this.raw, OFF.PHYSICALOFFSET);
  }
  get sysFlag(): number {
    return this.raw.readInt32BE(OFF.SYSFLAG);
  }
  get bornTimestamp(): number {
    return readInt64(this.raw, OFF.BORNTIMESTAMP);
  }
  get bornHost(): HostAddress {
    return hostAt(this.raw, OFF.BORNHOST);
  }
  get storeTimestamp(): number {
    return readInt64(this.raw, OFF.STORETIMESTAMP);
  }
  get storeHost(): HostAddress {
    return hostAt(this.raw, OFF.STOREHOST);
  }
  get reconsumeTimes(): number {
    return this.raw.readInt32BE(OFF.RECONSUMETIMES);
  }
  get preparedTransactionOffset(): number {
    return readInt64(this.raw, OFF.PREPAREDTXOFFSET);
  }
  get bodyLength(): number {
    return this.raw.readInt32BE(OFF.BODYLENGTH);
  }
  get body(): Uint8Array {
    return this.raw.subarray(OFF.BODY, OFF.BODY + this.bodyLength);
  }
  get topic(): string {
    if (this.#topic === undefined) {
      const at = OFF.BODY + this.bodyLength;
      this.#topic = this.raw.toString('utf8', at + 1, at + 1 + this.raw[at]!);
    }
    return this.#topic;
  }
  get properties(): Readonly<Record<string, string>> {
    if (this.#props === undefined) {
      const tAt = OFF.BODY + this.bodyLength;
      const pAt = tAt + 1 + this.raw[tAt]!;
      const p = this.raw.readInt16BE(pAt);
      this.#props = p > 0 ? decodeProperties(this.raw.toString('utf8', pAt + 2, pAt + 2 + p)) : {};
    }
    return this.#props;
  }
  get tags(): string | undefined {
    return this.properties[PROPERTY.TAGS];
  }
  get keys(): readonly string[] {
    return splitKeys(this.properties[PROPERTY.KEYS]);
  }
  get msgId(): string {
    let s = '';
    for (let i = 0; i < 8; i++) {
      const b = this.raw[OFF.STOREHOST + i]!;
      s += HEX[b >> 4]! + HEX[b & 15]!;
    }
    return s + offsetHex(this.physicalOffset);
  }
  /** Plain-object snapshot (for logs and tests). */
  toJSON(): Record<string, unknown> {
    return {
      topic: this.topic,
      queueId: this.queueId,
      queueOffset: this.queueOffset,
      physicalOffset: this.physicalOffset,
      size: this.size,
      msgId: this.msgId,
      tags: this.tags,
      keys: this.keys,
      properties: this.properties,
      storeTimestamp: this.storeTimestamp,
      bodyLength: this.bodyLength,
    };
  }
}

export type RecordCheck = 'ok' | 'blank' | 'zero' | 'bad';

/**
 * Validate the record at `off` in `buf` (fully contained: `avail` bytes from off). Checks magic,
 * TOTALSIZE against the layout and (unless `verifyCrc` is false) the body CRC. 'zero' = TOTALSIZE 0
 * (unwritten space).
 */
export function checkRecord(buf: Buffer, off: number, avail: number, verifyCrc = true): RecordCheck {
  if (avail < 8) {
    for (let i = 0; i < avail; i++) if (buf[off + i] !== 0) return 'bad';
    return 'zero';
  }
  const size = buf.readInt32BE(off);
  const magic = buf.readInt32BE(off + 4);
  if (size === 0 && magic === 0) return 'zero';
  if (magic === MAGIC_BLANK) return size >= BLANK_MIN_BYTES ? 'blank' : 'bad';
  if (magic !== MAGIC_V1 || size < RECORD_FIXED_BYTES || size > avail) return 'bad';
  const n = buf.readInt32BE(off + OFF.BODYLENGTH);
  if (n < 0 || OFF.BODY + n + 3 > size) return 'bad';
  const t = buf[off + OFF.BODY + n]!;
  if (OFF.BODY + n + 1 + t + 2 > size) return 'bad';
  const p = buf.readInt16BE(off + OFF.BODY + n + 1 + t);
  if (p < 0 || RECORD_FIXED_BYTES + n + t + p !== size) return 'bad';
  if (!verifyCrc) return 'ok';
  const crc = bodyCrc(buf.subarray(off + OFF.BODY, off + OFF.BODY + n));
  return crc === buf.readInt32BE(off + OFF.BODYCRC) ? 'ok' : 'bad';
}
