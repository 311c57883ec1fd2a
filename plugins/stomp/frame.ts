/**
 * STOMP frames (STOMP 1.2 §"Augmented BNF", 1.1 and 1.0): a streaming parser with size limits and
 * the serializer. Written here rather than taken from a library: the maintained parser
 * (@stomp/stompjs's Parser) is marked @internal to that client, has no size limits and is fed one
 * byte per call, which costs more than a whole message's store path at the bench's rates; this one
 * scans buffers with indexOf and reads content-length bodies by slicing. Header escaping follows
 * §"Value Encoding".
 */

export type StompVersion = '1.0' | '1.1' | '1.2';

export interface StompFrame {
  readonly command: string;
  /** Headers in order; a repeated header's first occurrence is the one that counts (§"Repeated Header Entries"). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

export interface FrameLimits {
  /** Command line and headers together. */
  readonly maxHeaderBytes: number;
  readonly maxHeaders: number;
  readonly maxBodyBytes: number;
}

export type ParseEvent =
  | { readonly kind: 'frame'; readonly frame: StompFrame }
  /** One or more EOLs between frames: a heart-beat from the peer. */
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'error'; readonly reason: string; readonly tooLarge: boolean };

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** The first value of a header, or undefined. */
export function header(frame: Pick<StompFrame, 'headers'>, name: string): string | undefined {
  for (const [k, v] of frame.headers) if (k === name) return v;
  return undefined;
}

/** CONNECT and CONNECTED frames are never escaped (§"Value Encoding"), nor is anything in STOMP 1.0. */
function escapes(version: StompVersion, command: string): boolean {
  return version !== '1.0' && command !== 'CONNECT' && command !== 'CONNECTED';
}

function unescape(text: string, version: StompVersion): string | undefined {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = text[++i];
    if (n === 'n') out += '\n';
    else if (n === 'c') out += ':';
    else if (n === '\\') out += '\\';
    else if (n === 'r' && version === '1.2') out += '\r';
    // §"Value Encoding": an undefined escape sequence is a fatal protocol error.
    else return undefined;
  }
  return out;
}

function escape(text: string, version: StompVersion): string {
  let out = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/:/g, '\\c');
  if (version === '1.2') out = out.replace(/\r/g, '\\r');
  return out;
}

/**
 * Streaming parser: push() bytes as they arrive, get back the frames (and heart-beats) now complete.
 * After an error the parser is done: the connection must send ERROR and close.
 */
export class FrameParser {
  #buf: Buffer = Buffer.alloc(0);
  /** Chunks not yet joined to #buf: joined only once `#need` bytes are there (no re-copy per chunk of a large body). */
  #chunks: Buffer[] = [];
  #pending = 0;
  #need = 0;
  #failed = false;
  version: StompVersion = '1.2';

  constructor(private readonly limits: FrameLimits) {}

  push(chunk: Buffer): ParseEvent[] {
    if (this.#failed) return [];
    this.#chunks.push(chunk);
    this.#pending += chunk.length;
    if (this.#buf.length + this.#pending < this.#need) return [];
    this.#buf = this.#buf.length === 0 && this.#chunks.length === 1 ? chunk : Buffer.concat([this.#buf, ...this.#chunks]);
    this.#chunks = [];
    this.#pending = 0;
    this.#need = 0;
    const out: ParseEvent[] = [];
    let pos = 0;
    for (;;) {
      // EOLs between frames are heart-beats (§"Heart-beating").
      let beat = false;
      while (pos < this.#buf.length && (this.#buf[pos] === LF || (this.#buf[pos] === CR && this.#buf[pos + 1] === LF))) {
        pos += this.#buf[pos] === CR ? 2 : 1;
        beat = true;
      }
      if (beat) out.push({ kind: 'heartbeat' });
      if (pos >= this.#buf.length) break;
      const r = this.#frameAt(pos);
      if (typeof r === 'number') {
        this.#need = r - pos;
        break;
      }
      if ('reason' in r) {
        this.#failed = true;
        out.push({ kind: 'error', reason: r.reason, tooLarge: r.tooLarge });
        this.#buf = Buffer.alloc(0);
        return out;
      }
      out.push({ kind: 'frame', frame: r.frame });
      pos = r.end;
    }
    this.#buf = pos >= this.#buf.length ? Buffer.alloc(0) : this.#buf.subarray(pos);
    if (this.#need === 0) this.#need = this.#buf.length + 1;
    return out;
  }

  /** A complete frame starting at `pos`, the buffer length needed before trying again, or why it is invalid. */
  #frameAt(pos: number): { frame: StompFrame; end: number } | { reason: string; tooLarge: boolean } | number {
    const buf = this.#buf;
    const { maxHeaderBytes, maxHeaders, maxBodyBytes } = this.limits;
    // The header block ends at the first empty line.
    const lines: string[] = [];
    let lineStart = pos;
    let bodyStart = -1;
    for (;;) {
      const nl = buf.indexOf(LF, lineStart);
      const limit = pos + maxHeaderBytes;
      if (nl < 0 || nl > limit) {
        if (buf.length - pos > maxHeaderBytes || nl > limit) return { reason: `the command and headers are longer than ${maxHeaderBytes} bytes`, tooLarge: true };
        return buf.length + 1;
      }
      const lineEnd = nl > lineStart && buf[nl - 1] === CR ? nl - 1 : nl;
      if (lineEnd === lineStart && lines.length > 0) {
        bodyStart = nl + 1;
        break;
      }
      lines.push(buf.toString('utf8', lineStart, lineEnd));
      if (lines.length > maxHeaders + 1) return { reason: `more than ${maxHeaders} headers`, tooLarge: true };
      lineStart = nl + 1;
    }
    const command = lines[0]!;
    if (!/^[A-Z]+$/.test(command)) return { reason: `${JSON.stringify(command.slice(0, 40))} is not a STOMP command`, tooLarge: false };
    const esc = escapes(this.version, command);
    const headers: [string, string][] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return { reason: `header line ${JSON.stringify(line.slice(0, 60))} has no name or no colon`, tooLarge: false };
      const name = esc ? unescape(line.slice(0, colon), this.version) : line.slice(0, colon);
      const value = esc ? unescape(line.slice(colon + 1), this.version) : line.slice(colon + 1);
      if (name === undefined || value === undefined) return { reason: `header line ${JSON.stringify(line.slice(0, 60))} has an undefined escape sequence`, tooLarge: false };
      headers.push([name, value]);
    }
    const lengthText = headers.find(([k]) => k === 'content-length')?.[1];
    if (lengthText !== undefined) {
      if (!/^\d{1,12}$/.test(lengthText)) return { reason: `content-length ${JSON.stringify(lengthText)} is not a byte count`, tooLarge: false };
      const length = Number(lengthText);
      if (length > maxBodyBytes) return { reason: `the body of ${length} bytes is over the limit of ${maxBodyBytes}`, tooLarge: true };
      if (buf.length < bodyStart + length + 1) return bodyStart + length + 1;
      if (buf[bodyStart + length] !== NUL) return { reason: 'the body is not followed by NULL at its content-length', tooLarge: false };
      return { frame: { command, headers, body: Buffer.from(buf.subarray(bodyStart, bodyStart + length)) }, end: bodyStart + length + 1 };
    }
    const nul = buf.indexOf(NUL, bodyStart);
    if (nul < 0) {
      if (buf.length - bodyStart > maxBodyBytes) return { reason: `the body is over the limit of ${maxBodyBytes} bytes`, tooLarge: true };
      return buf.length + 1;
    }
    if (nul - bodyStart > maxBodyBytes) return { reason: `the body is over the limit of ${maxBodyBytes} bytes`, tooLarge: true };
    return { frame: { command, headers, body: Buffer.from(buf.subarray(bodyStart, nul)) }, end: nul + 1 };
  }
}

/**
 * One frame as bytes. A body gets a content-length header (binary-safe, §"Header content-length")
 * unless the caller set one; header names and values are escaped as the version requires.
 */
export function encodeFrame(command: string, headers: ReadonlyArray<readonly [string, string]>, body: Buffer | undefined, version: StompVersion): Buffer {
  const esc = escapes(version, command);
  let head = `${command}\n`;
  let hasLength = false;
  for (const [k, v] of headers) {
    if (k === 'content-length') hasLength = true;
    head += esc ? `${escape(k, version)}:${escape(v, version)}\n` : `${k}:${v}\n`;
  }
  if (body !== undefined && body.length > 0 && !hasLength) head += `content-length:${body.length}\n`;
  head += '\n';
  const headBytes = Buffer.from(head, 'utf8');
  if (body === undefined || body.length === 0) return Buffer.concat([headBytes, Buffer.from([NUL])]);
  return Buffer.concat([headBytes, body, Buffer.from([NUL])]);
}
