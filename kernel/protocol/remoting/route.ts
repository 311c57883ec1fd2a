import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { CometError } from '../../errors.js';

/**
 * Route and broker-registration JSON shared by the name server, the broker's registration client
 * and sdk-node (shared/rocketmq-protocol.md §2.2; RocketMQ 4.9 TopicRouteData, ClusterInfo,
 * RegisterBrokerBody, TopicList). Encoders write standard JSON (quoted keys) in a fixed field order;
 * parsers validate with zod and throw ROUTE_BODY_INVALID for anything else.
 */

/** PermName bits (§2.2). */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;
export const MASTER_ID = 0;
/** Never listed in routes (§5: the schedule service's internal topic). */
export { SCHEDULE_TOPIC } from '../../messaging/names.js';

export const isReadable = (perm: number): boolean => (perm & Perm.READ) !== 0;
export const isWritable = (perm: number): boolean => (perm & Perm.WRITE) !== 0;

// ── shapes ────────────────────────────────────────────────────────────────────────────────────
const int = z.number().int();
const nonNegInt = int.min(0);
const name = z.string().min(1).max(255);

/** One topic in a broker's TopicConfigSerializeWrapper (Java TopicConfig; extra Java fields are ignored). */
export const topicConfigWireSchema = z.object({
  topicName: name,
  readQueueNums: nonNegInt.max(65535),
  writeQueueNums: nonNegInt.max(65535),
  perm: int.min(0).max(15),
  topicSysFlag: int.default(0),
  order: z.boolean().default(false),
});
export type TopicConfigWire = z.output<typeof topicConfigWireSchema>;

export const dataVersionSchema = z.object({ timestamp: nonNegInt, counter: nonNegInt });
export type DataVersion = z.output<typeof dataVersionSchema>;

/** REGISTER_BROKER body (Java RegisterBrokerBody, uncompressed JSON form). */
export const registerBrokerBodySchema = z.object({
  topicConfigSerializeWrapper: z.object({
    topicConfigTable: z.record(z.string(), topicConfigWireSchema),
    dataVersion: dataVersionSchema,
  }),
  filterServerList: z.array(z.string()).default([]),
});
export type RegisterBrokerBody = z.output<typeof registerBrokerBodySchema>;

export const queueDataSchema = z.object({
  brokerName: name,
  readQueueNums: nonNegInt,
  writeQueueNums: nonNegInt,
  perm: int,
  topicSysFlag: int.default(0),
});
export type QueueData = z.output<typeof queueDataSchema>;

export const brokerDataSchema = z.object({
  cluster: z.string(),
  brokerName: name,
  /** brokerId (as a decimal string) → `ip:port`; "0" is the master. */
  brokerAddrs: z.record(z.string().regex(/^\d+$/), z.string()),
});
export type BrokerData = z.output<typeof brokerDataSchema>;

export const topicRouteDataSchema = z.object({
  orderTopicConf: z.string().nullish(),
  queueDatas: z.array(queueDataSchema),
  brokerDatas: z.array(brokerDataSchema),
  filterServerTable: z.record(z.string(), z.array(z.string())).default({}),
});
export type TopicRouteData = z.output<typeof topicRouteDataSchema>;

export const clusterInfoSchema = z.object({
  brokerAddrTable: z.record(z.string(), brokerDataSchema),
  clusterAddrTable: z.record(z.string(), z.array(z.string())),
});
export type ClusterInfo = z.output<typeof clusterInfoSchema>;

export const topicListSchema = z.object({ topicList: z.array(z.string()) });
export type TopicList = z.output<typeof topicListSchema>;

/** REGISTER_BROKER response extFields (Java RegisterBrokerResponseHeader). */
export interface RegisterBrokerResult {
  readonly haServerAddr?: string;
  readonly masterAddr?: string;
}

// ── parsing ───────────────────────────────────────────────────────────────────────────────────
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON.parse that drops `__proto__` keys (they would otherwise reach record-building code). */
export function parseJsonSafe(text: string, what: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value));
  } catch (e) {
    throw new CometError('ROUTE_BODY_INVALID', `${what}: not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

function bodyText(body: Uint8Array | undefined, what: string): string {
  if (body === undefined || body.length === 0) throw new CometError('ROUTE_BODY_INVALID', `${what}: body missing`);
  try {
    return decoder.decode(body);
  } catch (e) {
    throw new CometError('ROUTE_BODY_INVALID', `${what}: body is not UTF-8`, { cause: e });
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new CometError('ROUTE_BODY_INVALID', `${what}: ${issues.slice(0, 5).join('; ')}`, { details: { issues } });
}

/**
 * fastjson's non-standard form (§2.2: unquoted numeric map keys, sent by Java name servers to old
 * clients) turned into standard JSON. Only `{0:` / `,1:` key positions are touched.
 */
export function quoteNumericKeys(text: string): string {
  return text.replace(/([{,])\s*(\d+)\s*:/g, '$1"$2":');
}

function parseBody<S extends z.ZodType>(schema: S, body: Uint8Array | undefined, what: string, lenient = false): z.output<S> {
  const text = bodyText(body, what);
  let value: unknown;
  try {
    value = parseJsonSafe(text, what);
  } catch (e) {
    if (!lenient) throw e;
    value = parseJsonSafe(quoteNumericKeys(text), what);
  }
  return parseWith(schema, value, what);
}

export const parseRegisterBrokerBody = (body: Uint8Array | undefined): RegisterBrokerBody =>
  parseBody(registerBrokerBodySchema, body, 'REGISTER_BROKER body');
/** Accepts standard JSON and fastjson's unquoted numeric keys. */
export const parseTopicRouteData = (body: Uint8Array | undefined): TopicRouteData => parseBody(topicRouteDataSchema, body, 'TopicRouteData', true);
export const parseClusterInfo = (body: Uint8Array | undefined): ClusterInfo => parseBody(clusterInfoSchema, body, 'ClusterInfo', true);
export const parseTopicList = (body: Uint8Array | undefined): TopicList => parseBody(topicListSchema, body, 'TopicList');

// ── encoding (stable field order, standard JSON) ─────────────────────────────────────────────
const encoder = new TextEncoder();
const toBytes = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

const byBrokerName = (a: { brokerName: string }, b: { brokerName: string }): number => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0);

function orderedQueueData(q: QueueData): QueueData {
  return { brokerName: q.brokerName, readQueueNums: q.readQueueNums, writeQueueNums: q.writeQueueNums, perm: q.perm, topicSysFlag: q.topicSysFlag };
}

function orderedBrokerData(b: BrokerData): BrokerData {
  const brokerAddrs: Record<string, string> = {};
  // Integer-like keys enumerate in ascending numeric order, so "0" (the master) comes first.
  for (const id of Object.keys(b.brokerAddrs)) brokerAddrs[id] = b.brokerAddrs[id]!;
  return { cluster: b.cluster, brokerName: b.brokerName, brokerAddrs };
}

function sortedRecord<V>(record: Readonly<Record<string, V>>, map: (v: V) => V): Record<string, V> {
  const out: Record<string, V> = {};
  for (const key of Object.keys(record).sort()) out[key] = map(record[key]!);
  return out;
}

/**
 * TopicRouteData exactly as §2.2: `orderTopicConf`, `queueDatas`, `brokerDatas`, `filterServerTable`,
 * lists sorted by brokerName, so successive answers compare equal as strings (ali-ons does).
 */
export function encodeTopicRouteData(route: TopicRouteData): Uint8Array {
  return toBytes({
    orderTopicConf: route.orderTopicConf ?? null,
    queueDatas: [...route.queueDatas].sort(byBrokerName).map(orderedQueueData),
    brokerDatas: [...route.brokerDatas].sort(byBrokerName).map(orderedBrokerData),
    filterServerTable: sortedRecord(route.filterServerTable, (v) => [...v]),
  });
}

export function encodeClusterInfo(info: ClusterInfo): Uint8Array {
  return toBytes({
    brokerAddrTable: sortedRecord(info.brokerAddrTable, orderedBrokerData),
    clusterAddrTable: sortedRecord(info.clusterAddrTable, (names) => [...names].sort()),
  });
}

export function encodeTopicList(list: TopicList): Uint8Array {
  return toBytes({ topicList: [...list.topicList].sort() });
}

export function encodeRegisterBrokerBody(body: RegisterBrokerBody): Uint8Array {
  const table: Record<string, TopicConfigWire> = {};
  for (const key of Object.keys(body.topicConfigSerializeWrapper.topicConfigTable).sort()) {
    const t = body.topicConfigSerializeWrapper.topicConfigTable[key]!;
    table[key] = { topicName: t.topicName, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, topicSysFlag: t.topicSysFlag, order: t.order };
  }
  const { timestamp, counter } = body.topicConfigSerializeWrapper.dataVersion;
  return toBytes({ topicConfigSerializeWrapper: { topicConfigTable: table, dataVersion: { timestamp, counter } }, filterServerList: [...body.filterServerList] });
}

/** Java UtilAll.crc32: CRC-32 of the body masked to a non-negative int (REGISTER_BROKER `bodyCrc32`). */
export function bodyCrc32(body: Uint8Array): number {
  return crc32(body) & 0x7fffffff;
}
