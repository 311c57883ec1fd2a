import { CometError } from '../../kernel/errors.js';
import type { RemotingCommand } from '../../kernel/protocol/remoting/command.js';

/**
 * Typed reads of a request's extFields (values are always strings, §1.3: ali-ons sends numbers and
 * booleans, the codec turned them into strings). A missing or malformed required field is
 * REMOTING_HEADER_INVALID (answered 1 SYSTEM_ERROR with the field named in the remark, like Java's
 * RemotingCommandException).
 */
export class Headers {
  constructor(private readonly request: Pick<RemotingCommand, 'code' | 'extFields'>) {}

  optStr(name: string): string | undefined {
    const fields = this.request.extFields;
    return Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
  }

  str(name: string): string {
    const v = this.optStr(name);
    if (v === undefined || v.length === 0) throw missing(this.request.code, name);
    return v;
  }

  /** A safe integer (int and long fields alike: offsets and timestamps stay below 2^53). */
  int(name: string): number {
    return toInt(this.request.code, name, this.str(name));
  }

  optInt(name: string): number | undefined {
    const v = this.optStr(name);
    return v === undefined || v.length === 0 ? undefined : toInt(this.request.code, name, v);
  }

  bool(name: string): boolean {
    return this.optStr(name) === 'true';
  }
}

function missing(code: number, name: string): CometError {
  return new CometError('REMOTING_HEADER_INVALID', `request ${code}: the field ${name} is missing`);
}

function toInt(code: number, name: string, v: string): number {
  const n = Number(v.trim());
  if (v.trim().length === 0 || !Number.isSafeInteger(n)) {
    throw new CometError('REMOTING_HEADER_INVALID', `request ${code}: the field ${name}=${JSON.stringify(v)} is not an integer`);
  }
  return n;
}

export const headers = (request: Pick<RemotingCommand, 'code' | 'extFields'>): Headers => new Headers(request);

/** Parse a JSON body; junk is REMOTING_HEADER_INVALID (answered 1). */
export function jsonBody(request: Pick<RemotingCommand, 'code' | 'body'>): unknown {
  if (request.body === undefined || request.body.length === 0) {
    throw new CometError('REMOTING_HEADER_INVALID', `request ${request.code}: the JSON body is missing`);
  }
  try {
    return JSON.parse(Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength).toString('utf8')) as unknown;
  } catch (e) {
    throw new CometError('REMOTING_HEADER_INVALID', `request ${request.code}: the body is not JSON`, { cause: e });
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
