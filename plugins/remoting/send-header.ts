import type { RemotingCommand } from '../../kernel/protocol/remoting/command.js';
import { headers } from './headers.js';

/** SendMessageRequestHeader (v1 long names, code 10) — also what V2's one-letter names map to (§2.4). */
export interface SendHeader {
  readonly producerGroup: string;
  readonly topic: string;
  readonly defaultTopic: string | undefined;
  readonly defaultTopicQueueNums: number | undefined;
  /** < 0: the broker picks. */
  readonly queueId: number;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly flag: number;
  readonly properties: string | undefined;
  readonly reconsumeTimes: number;
  readonly unitMode: boolean;
  readonly maxReconsumeTimes: number | undefined;
  readonly batch: boolean;
}

type Field = keyof SendHeader;

/** §2.4 table: v2 letter → v1 name. */
const V2_LETTERS: Readonly<Record<Field, string>> = {
  producerGroup: 'a',
  topic: 'b',
  defaultTopic: 'c',
  defaultTopicQueueNums: 'd',
  queueId: 'e',
  sysFlag: 'f',
  bornTimestamp: 'g',
  flag: 'h',
  properties: 'i',
  reconsumeTimes: 'j',
  unitMode: 'k',
  maxReconsumeTimes: 'l',
  batch: 'm',
};

const V1_NAMES: Readonly<Record<Field, string>> = {
  producerGroup: 'producerGroup',
  topic: 'topic',
  defaultTopic: 'defaultTopic',
  defaultTopicQueueNums: 'defaultTopicQueueNums',
  queueId: 'queueId',
  sysFlag: 'sysFlag',
  bornTimestamp: 'bornTimestamp',
  flag: 'flag',
  properties: 'properties',
  reconsumeTimes: 'reconsumeTimes',
  unitMode: 'unitMode',
  maxReconsumeTimes: 'maxReconsumeTimes',
  batch: 'batch',
};

function parse(request: RemotingCommand, names: Readonly<Record<Field, string>>): SendHeader {
  const h = headers(request);
  return {
    producerGroup: h.str(names.producerGroup),
    // The topic is validated by the send path (invalid → 1 with a remark), so only presence matters here.
    topic: h.optStr(names.topic) ?? '',
    defaultTopic: h.optStr(names.defaultTopic),
    defaultTopicQueueNums: h.optInt(names.defaultTopicQueueNums),
    queueId: h.int(names.queueId),
    sysFlag: h.optInt(names.sysFlag) ?? 0,
    bornTimestamp: h.int(names.bornTimestamp),
    flag: h.optInt(names.flag) ?? 0,
    properties: h.optStr(names.properties),
    reconsumeTimes: h.optInt(names.reconsumeTimes) ?? 0,
    unitMode: h.bool(names.unitMode),
    maxReconsumeTimes: h.optInt(names.maxReconsumeTimes),
    batch: h.bool(names.batch),
  };
}

/** SEND_MESSAGE (10): SendMessageRequestHeader. */
export const sendHeaderV1 = (request: RemotingCommand): SendHeader => parse(request, V1_NAMES);
/** SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): SendMessageRequestHeaderV2. */
export const sendHeaderV2 = (request: RemotingCommand): SendHeader => parse(request, V2_LETTERS);

/** Build V2 extFields from a header (tests, tools). */
export function toV2ExtFields(h: Partial<SendHeader>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key of Object.keys(h) as Field[]) {
    const v = h[key];
    if (v !== undefined) out[V2_LETTERS[key]] = v;
  }
  return out;
}
