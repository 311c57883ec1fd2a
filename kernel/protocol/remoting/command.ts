import { FLAG_ONEWAY, FLAG_RESPONSE } from './codes.js';

/** Header fields of a RemotingCommand (shared/rocketmq-protocol.md §1.3). extFields values are always strings. */
export interface RemotingCommand {
  readonly code: number;
  readonly language: string;
  readonly version: number;
  readonly opaque: number;
  readonly flag: number;
  readonly remark?: string;
  /** Null-prototype map: `__proto__` or `constructor` keys are plain data. */
  readonly extFields: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** 0 = JSON header, 1 = ROCKETMQ binary header. Replies use the request's type (JSON for ali-ons). */
  readonly serializeType: 0 | 1;
}

export type ExtFieldsInput = Readonly<Record<string, string | number | boolean | bigint | undefined | null>>;

/** A null-prototype string map; numbers and booleans become strings, null/undefined are left out (§1.3). */
export function toExtFields(input: ExtFieldsInput | undefined): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (input === undefined) return out;
  for (const key of Object.keys(input)) {
    const v = input[key];
    if (typeof v === 'string') out[key] = v;
    else if (v !== undefined && v !== null) out[key] = String(v);
  }
  return out;
}

export interface RequestInit {
  readonly code: number;
  readonly opaque: number;
  readonly extFields?: ExtFieldsInput;
  readonly body?: Uint8Array;
  readonly oneway?: boolean;
  readonly language?: string;
  readonly version?: number;
  readonly remark?: string;
}

export function createRequest(init: RequestInit): RemotingCommand {
  return requestCommand(init, init.opaque, init.oneway === true);
}

/** createRequest with the opaque and oneway given apart (the client's hot path: no copy of `init`). */
export function requestCommand(init: Omit<RequestInit, 'opaque'>, opaque: number, oneway: boolean): RemotingCommand {
  const extFields = toExtFields(init.extFields);
  const language = init.language ?? 'NODE_JS';
  const version = init.version ?? 401;
  const flag = oneway ? FLAG_ONEWAY : 0;
  const { remark, body } = init;
  if (remark === undefined) {
    return body === undefined
      ? { code: init.code, language, version, opaque, flag, extFields, serializeType: 0 }
      : { code: init.code, language, version, opaque, flag, extFields, body, serializeType: 0 };
  }
  return body === undefined
    ? { code: init.code, language, version, opaque, flag, remark, extFields, serializeType: 0 }
    : { code: init.code, language, version, opaque, flag, remark, extFields, body, serializeType: 0 };
}

export interface ResponseInit {
  readonly code: number;
  readonly remark?: string;
  readonly extFields?: ExtFieldsInput;
  readonly body?: Uint8Array;
}

/** A response to `request`: same opaque, response flag, the request's header serialization. */
export function createResponse(request: Pick<RemotingCommand, 'opaque' | 'serializeType'>, init: ResponseInit): RemotingCommand {
  return {
    code: init.code,
    language: 'JAVA',
    version: 401,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    ...(init.remark === undefined ? {} : { remark: init.remark }),
    extFields: toExtFields(init.extFields),
    ...(init.body === undefined ? {} : { body: init.body }),
    serializeType: request.serializeType,
  };
}

export const isResponse = (c: Pick<RemotingCommand, 'flag'>): boolean => (c.flag & FLAG_RESPONSE) !== 0;
export const isOneway = (c: Pick<RemotingCommand, 'flag'>): boolean => (c.flag & FLAG_ONEWAY) !== 0;
