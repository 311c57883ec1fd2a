import type { QoS } from 'mqtt-packet';
import { z } from 'zod';
import { wrapError } from '../../kernel/errors.js';
import { openRocksDb, type RocksDb } from '../../kernel/storage/rocks.js';

/** A retained message (MQTT 5 §3.3.1.3): the last retained PUBLISH of one topic. */
export interface RetainedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  /** The CometMQ message properties it was stored with (mapping.ts), for MQTT 5 properties. */
  readonly properties: Readonly<Record<string, string>>;
  readonly storedAt: number;
}

/** One subscription of a persistent session, as SUBSCRIBE gave it (MQTT 5 §3.8.3.1 options). */
export interface SubscriptionRecord {
  readonly filter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: number;
  readonly subscriptionId?: number | undefined;
}

/** A persistent session's durable part: what survives a broker restart (docs/mqtt.md "Sessions"). */
export interface SessionRecord {
  readonly clientId: string;
  readonly protocolVersion: 3 | 4 | 5;
  /** Session expiry after disconnect, ms. */
  readonly expiryMs: number;
  /** Epoch ms of the last disconnect (or of the save while connected). */
  readonly savedAt: number;
  readonly subscriptions: readonly SubscriptionRecord[];
}

/**
 * Where the MQTT door keeps retained messages and persistent sessions. Writes are durable against
 * a process crash when the promise resolves (RocksDB write-ahead log); message progress is not
 * here but in the consumer offsets of the session's group (MetadataStore).
 */
export interface MqttStateStore {
  loadRetained(): Promise<RetainedMessage[]>;
  putRetained(message: RetainedMessage): Promise<void>;
  deleteRetained(topic: string): Promise<void>;
  loadSessions(): Promise<SessionRecord[]>;
  putSession(session: SessionRecord): Promise<void>;
  /** Also forgets the session's inbound QoS 2 packet ids. */
  deleteSession(clientId: string): Promise<void>;
  /** Inbound QoS 2 packet ids of persistent sessions stored and not yet released (PUBREL), by client id. */
  loadInboundQos2(): Promise<Map<string, number[]>>;
  putInboundQos2(clientId: string, packetId: number): Promise<void>;
  deleteInboundQos2(clientId: string, packetId: number): Promise<void>;
  close(): Promise<void>;
}

const RETAINED = 'r';
const SESSION = 's';
/** `q\0{clientId}\0{packetId}`: MQTT strings hold no U+0000 (§1.5.4), so a client id cannot contain the separator. */
const INBOUND_QOS2 = 'q';
const key = (kind: string, name: string): Buffer => Buffer.from(`${kind}\u0000${name}`, 'utf8');
const prefixRange = (kind: string): { gte: Buffer; lt: Buffer } => ({ gte: Buffer.from(`${kind}\u0000`), lt: Buffer.from(`${kind}\u0001`) });
const qos2Key = (clientId: string, packetId: number): Buffer => key(INBOUND_QOS2, `${clientId}\u0000${packetId}`);
const qos2Range = (clientId: string): { gte: Buffer; lt: Buffer } => ({ gte: key(INBOUND_QOS2, `${clientId}\u0000`), lt: key(INBOUND_QOS2, `${clientId}\u0001`) });

const qosSchema = z.union([z.literal(0), z.literal(1), z.literal(2)]);
const retainedSchema = z.object({ topic: z.string(), payload: z.string(), qos: qosSchema, properties: z.record(z.string(), z.string()), storedAt: z.number() });
const sessionSchema = z.object({
  clientId: z.string(),
  protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]),
  expiryMs: z.number(),
  savedAt: z.number(),
  subscriptions: z.array(
    z.object({
      filter: z.string(),
      qos: qosSchema,
      noLocal: z.boolean(),
      retainAsPublished: z.boolean(),
      retainHandling: z.number().int(),
      subscriptionId: z.number().int().optional(),
    }),
  ),
});

const EMPTY = Buffer.alloc(0);

/** MqttStateStore in its own RocksDB database (dataDir/mqtt by default). */
export class RocksStateStore implements MqttStateStore {
  private constructor(private readonly db: RocksDb) {}

  static async open(dir: string): Promise<RocksStateStore> {
    try {
      return new RocksStateStore(await openRocksDb(dir));
    } catch (e) {
      throw wrapError('STORE_IO', `could not open the MQTT state in ${dir}`, e);
    }
  }

  async loadRetained(): Promise<RetainedMessage[]> {
    const rows = await this.db.iterator(prefixRange(RETAINED)).all();
    return rows.map(([, v]) => {
      const r = retainedSchema.parse(JSON.parse(v.toString('utf8')));
      return { ...r, payload: Buffer.from(r.payload, 'base64') };
    });
  }

  async putRetained(m: RetainedMessage): Promise<void> {
    const value = JSON.stringify({ topic: m.topic, payload: m.payload.toString('base64'), qos: m.qos, properties: m.properties, storedAt: m.storedAt });
    await this.db.batch().put(key(RETAINED, m.topic), Buffer.from(value)).write();
  }

  async deleteRetained(topic: string): Promise<void> {
    await this.db.batch().del(key(RETAINED, topic)).write();
  }

  async loadSessions(): Promise<SessionRecord[]> {
    const rows = await this.db.iterator(prefixRange(SESSION)).all();
    return rows.map(([, v]) => sessionSchema.parse(JSON.parse(v.toString('utf8'))));
  }

  async putSession(s: SessionRecord): Promise<void> {
    await this.db.batch().put(key(SESSION, s.clientId), Buffer.from(JSON.stringify(s))).write();
  }

  async deleteSession(clientId: string): Promise<void> {
    await this.db.batch().del(key(SESSION, clientId)).write();
    await this.db.clear(qos2Range(clientId));
  }

  async loadInboundQos2(): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const [k] of await this.db.iterator(prefixRange(INBOUND_QOS2)).all()) {
      const rest = k.toString('utf8').slice(INBOUND_QOS2.length + 1);
      const sep = rest.lastIndexOf('\u0000');
      const packetId = Number(rest.slice(sep + 1));
      if (sep < 0 || !Number.isInteger(packetId) || packetId < 1 || packetId > 65_535) continue;
      const clientId = rest.slice(0, sep);
      const ids = out.get(clientId);
      if (ids === undefined) out.set(clientId, [packetId]);
      else ids.push(packetId);
    }
    return out;
  }

  async putInboundQos2(clientId: string, packetId: number): Promise<void> {
    await this.db.batch().put(qos2Key(clientId, packetId), EMPTY).write();
  }

  async deleteInboundQos2(clientId: string, packetId: number): Promise<void> {
    await this.db.batch().del(qos2Key(clientId, packetId)).write();
  }

  async close(): Promise<void> {
    if (this.db.status === 'open' || this.db.status === 'opening') await this.db.close();
  }
}
