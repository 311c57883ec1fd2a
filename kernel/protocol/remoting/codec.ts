import { CometError } from '../../errors.js';
import { LANGUAGES, MAX_FRAME_BYTES } from './codes.js';
import type { RemotingCommand } from './command.js';

/**
 * Frame layout (shared/rocketmq-protocol.md §1.2): int length (= 4 + header + body), int
 * (serializeType << 24 | headerLength), header, body. Big-endian.
 */
export function encodeCommand(cmd: RemotingCommand): Buffer {
  if (cmd.serializeType !== 1) {
    const json = jsonHeaderText(cmd);
    const headerLength = Buffer.byteLength(json, 'utf8');
    return frameWith(cmd, headerLength, (frame) => frame.write(json, 8, headerLength, 'utf8'));
  }
  const header = encodeBinaryHeader(cmd);
  return frameWith(cmd, header.length, (frame) => header.copy(frame, 8));
}

/** One allocation per frame: length, type|header length, header (written by `writeHeader`), body. */
function frameWith(cmd: RemotingCommand, headerLength: number, writeHeader: (frame: Buffer) => void): Buffer {
  const bodyLength = cmd.body?.length ?? 0;
  const frame = Buffer.allocUnsafe(8 + headerLength + bodyLength);
  frame.writeInt32BE(4 + headerLength + bodyLength, 0);
  frame.writeInt32BE(((cmd.serializeType & 0xff) << 24) | headerLength, 4);
  writeHeader(frame);
  if (cmd.body !== undefined) frame.set(cmd.body, 8 + headerLength);
  return frame;
}

/** A number as JSON.stringify writes it (non-finite → null). */
const jsonNumber = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** True when JSON.stringify(s) is just s in quotes: no `"`, `\\`, control character or surrogate. */
function plainJson(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** JSON.stringify of a string, without calling it when nothing needs escaping. */
const jsonString = (s: string): string => (plainJson(s) ? `"${s}"` : JSON.stringify(s));

/** ExtFields keys repeat (a…k, topic, queueId…): their JSON form is cached, up to a bound. */
const QUOTED_KEYS = new Map<string, string>();
const MAX_QUOTED_KEYS = 1024;
function quotedKey(key: string): string {
  let q = QUOTED_KEYS.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (QUOTED_KEYS.size < MAX_QUOTED_KEYS) QUOTED_KEYS.set(key, q);
  }
  return q;
}

/**
 * The JSON header text, byte for byte what {@link jsonHeaderReference} produces (a fast-check test
 * holds them equal): same field order, every key and string value through JSON.stringify (so
 * escaping and `__proto__` keys are exactly JSON's), without building intermediate objects.
 * Anything unexpected at run time (a non-string ext value, …) takes the reference path.
 */
export function jsonHeaderText(cmd: RemotingCommand): string {
  if (typeof cmd.code !== 'number' || typeof cmd.language !== 'string' || typeof cmd.version !== 'number' || typeof cmd.opaque !== 'number' || typeof cmd.flag !== 'number') {
    return jsonHeaderReference(cmd);
  }
  let out = `{"code":${jsonNumber(cmd.code)},"language":${JSON.stringify(cmd.language)},"version":${jsonNumber(cmd.version)},"opaque":${jsonNumber(cmd.opaque)},"flag":${jsonNumber(cmd.flag)}`;
  if (cmd.remark !== undefined) {
    if (typeof cmd.remark !== 'string') return jsonHeaderReference(cmd);
    out += `,"remark":${JSON.stringify(cmd.remark)}`;
  }
  out += ',"extFields":{';
  const ext = cmd.extFields;
  let sep = '';
  for (const key of Object.keys(ext)) {
    const v = ext[key];
    if (typeof v !== 'string') return jsonHeaderReference(cmd);
    out += `${sep}${quotedKey(key)}:${jsonString(v)}`;
    sep = ',';
  }
  return `${out}},"serializeTypeCurrentRPC":"JSON"}`;
}

/** The plain JSON.stringify header (the reference for jsonHeaderText and its fallback). */
export function jsonHeaderReference(cmd: RemotingCommand): string {
  const json: Record<string, unknown> = {
    code: cmd.code,
    language: cmd.language,
    version: cmd.version,
    opaque: cmd.opaque,
    flag: cmd.flag,
  };
  if (cmd.remark !== undefined) json.remark = cmd.remark;
  // Spread into a plain object literal through JSON so a `__proto__` key stays a data key.
  json.extFields = Object.fromEntries(Object.entries(cmd.extFields));
  json.serializeTypeCurrentRPC = 'JSON';
  return JSON.stringify(json);
}

function encodeBinaryHeader(cmd: RemotingCommand): Buffer {
  const remark = cmd.remark === undefined ? Buffer.alloc(0) : Buffer.from(cmd.remark, 'utf8');
  const entries = Object.entries(cmd.extFields).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  const extLength = entries.reduce((n, [k, v]) => n + 2 + k.length + 4 + v.length, 0);
  const buf = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4 + remark.length + 4 + extLength);
  let at = buf.writeInt16BE(cmd.code, 0);
  const lang = LANGUAGES.indexOf(cmd.language as (typeof LANGUAGES)[number]);
  at = buf.writeUInt8(lang < 0 ? 0 : lang, at);
  at = buf.writeInt16BE(cmd.version, at);
  at = buf.writeInt32BE(cmd.opaque, at);
  at = buf.writeInt32BE(cmd.flag, at);
  at = buf.writeInt32BE(remark.length, at);
  at += remark.copy(buf, at);
  at = buf.writeInt32BE(extLength, at);
  for (const [k, v] of entries) {
    at = buf.writeInt16BE(k.length, at);
    at += k.copy(buf, at);
    at = buf.writeInt32BE(v.length, at);
    at += v.copy(buf, at);
  }
  return buf;
}

const invalid = (message: string): CometError => new CometError('REMOTING_FRAME_INVALID', message);

/**
 * Decode one frame's content (everything after the 4-byte length field). Throws
 * REMOTING_FRAME_INVALID for anything malformed; never trusts a length field.
 */
export function decodeFrameContent(content: Buffer): RemotingCommand {
  if (content.length < 4) throw invalid('frame shorter than its header-length field');
  const word = content.readInt32BE(0);
  const type = (word >>> 24) & 0xff;
  const headerLength = word & 0xffffff;
  if (headerLength > content.length - 4) throw invalid(`header length ${headerLength} exceeds the frame (${content.length - 4} bytes)`);
  const header = content.subarray(4, 4 + headerLength);
  const body = content.length > 4 + headerLength ? content.subarray(4 + headerLength) : undefined;
  if (type === 0) return decodeJsonHeader(header, body);
  if (type === 1) return decodeBinaryHeader(header, body);
  throw invalid(`unknown header serialization type ${type}`);
}

function int(v: unknown, field: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(`header field ${field} is not an integer`);
  return n;
}

function decodeJsonHeader(header: Buffer, body: Buffer | undefined): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header.toString('utf8'));
  } catch {
    throw invalid('header is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('header is not a JSON object');
  const h = parsed as Record<string, unknown>;
  const ext = h.extFields;
  if (ext !== undefined && ext !== null && (typeof ext !== 'object' || Array.isArray(ext))) throw invalid('extFields is not an object');
  const extFields = stringFields(ext as Record<string, unknown> | null | undefined);
  return {
    code: int(h.code, 'code'),
    language: typeof h.language === 'string' ? h.language : 'OTHER',
    version: h.version === undefined ? 0 : int(h.version, 'version'),
    opaque: int(h.opaque, 'opaque'),
    flag: h.flag === undefined ? 0 : int(h.flag, 'flag'),
    ...(typeof h.remark === 'string' ? { remark: h.remark } : {}),
    extFields,
    ...(body === undefined ? {} : { body }),
    serializeType: 0,
  };
}

/**
 * extFields values may be strings, numbers or booleans (ali-ons, §1.3): one pass into a
 * null-prototype string map (what toExtFields gives); null values are left out; nested values are refused.
 */
function stringFields(ext: Record<string, unknown> | null | undefined): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (ext === null || ext === undefined) return out;
  for (const key of Object.keys(ext)) {
    const v = ext[key];
    if (typeof v === 'string') out[key] = v;
    else if (v === null || v === undefined) continue;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else throw invalid(`extFields.${key} is not a scalar`);
  }
  return out;
}

function decodeBinaryHeader(header: Buffer, body: Buffer | undefined): RemotingCommand {
  try {
    let at = 0;
    const code = header.readInt16BE(at);
    const lang = header.readUInt8((at += 2));
    const version = header.readInt16BE((at += 1));
    const opaque = header.readInt32BE((at += 2));
    const flag = header.readInt32BE((at += 4));
    const remarkLength = header.readInt32BE((at += 4));
    at += 4;
    if (remarkLength < 0 || at + remarkLength > header.length) throw invalid('binary header remark overruns the header');
    const remark = remarkLength > 0 ? header.toString('utf8', at, at + remarkLength) : undefined;
    at += remarkLength;
    const extLength = header.readInt32BE(at);
    at += 4;
    if (extLength < 0 || at + extLength > header.length) throw invalid('binary header extFields overrun the header');
    const end = at + extLength;
    const ext = Object.create(null) as Record<string, string>;
    while (at < end) {
      const kl = header.readInt16BE(at);
      at += 2;
      if (kl < 0 || at + kl > end) throw invalid('binary header key overruns extFields');
      const key = header.toString('utf8', at, (at += kl));
      const vl = header.readInt32BE(at);
      at += 4;
      if (vl < 0 || at + vl > end) throw invalid('binary header value overruns extFields');
      ext[key] = header.toString('utf8', at, (at += vl));
    }
    return {
      code,
      language: LANGUAGES[lang] ?? 'OTHER',
      version,
      opaque,
      flag,
      ...(remark === undefined ? {} : { remark }),
      extFields: ext,
      ...(body === undefined ? {} : { body }),
      serializeType: 1,
    };
  } catch (e) {
    if (e instanceof CometError) throw e;
    throw invalid('binary header is truncated');
  }
}

/**
 * Streaming frame splitter for a socket: push chunks, get whole frames. A length field below 4 or
 * above `maxFrameBytes` is REMOTING_FRAME_TOO_LARGE / REMOTING_FRAME_INVALID (the connection should close).
 * Buffers at most one frame.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number = MAX_FRAME_BYTES) {}

  /** Bytes held waiting for the rest of a frame. */
  pending(): number {
    return this.buffered;
  }

  /** Returns the complete frames' contents (after the length field). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = head.readInt32BE(0);
      if (length < 4) throw invalid(`frame length ${length} is below the minimum of 4`);
      if (length > this.maxFrameBytes) {
        throw new CometError('REMOTING_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the ${this.maxFrameBytes}-byte cap`);
      }
      if (this.buffered < 4 + length) break;
      frames.push(this.take(4 + length).subarray(4));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
