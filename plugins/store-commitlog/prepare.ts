import { CometError } from '../../kernel/errors.js';
import type { AppendInput, HostAddress } from '../../kernel/messaging/message.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import {
  BLANK_MIN_BYTES,
  MAX_PROPERTIES_BYTES,
  MAX_TOPIC_BYTES,
  encodeProperties,
  hostBytes,
  mergeProperties,
  recordSize,
  splitKeys,
} from '../../kernel/messaging/record.js';
import { tagHashCode } from '../../kernel/messaging/tags.js';

/** An append validated and measured, ready to be placed and encoded. */
export interface Prepared {
  readonly input: AppendInput;
  readonly topicBytes: Buffer;
  readonly properties: string;
  readonly propertiesBytes: number;
  readonly size: number;
  readonly tagCode: number;
  readonly keys: readonly string[];
  readonly uniqKey: string | undefined;
  readonly bornHost: Uint8Array;
}

interface EncodedProperties {
  readonly properties: string;
  readonly propertiesBytes: number;
}

const TOPIC_CACHE_MAX = 4096;
const ZERO_HOST = new Uint8Array(4);
const NO_KEYS: readonly string[] = Object.freeze([]);

const INT32 = (v: number): boolean => Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff;
const INT64 = (v: number): boolean => Number.isSafeInteger(v);

function checkNumber(name: string, v: number | undefined, ok: (v: number) => boolean): void {
  if (v !== undefined && !ok(v)) throw new CometError('MESSAGE_INVALID', `${name} ${String(v)} is not a valid integer`);
}

/** Optional numeric fields must be integers of their wire width (MESSAGE_INVALID otherwise). */
function checkNumbers(input: AppendInput): void {
  checkNumber('flag', input.flag, INT32);
  checkNumber('sysFlag', input.sysFlag, INT32);
  checkNumber('reconsumeTimes', input.reconsumeTimes, INT32);
  checkNumber('bornTimestamp', input.bornTimestamp, INT64);
  checkNumber('preparedTransactionOffset', input.preparedTransactionOffset, INT64);
  checkNumber('bornHost.port', input.bornHost?.port, INT32);
}

/**
 * Validation and sizing of appends, before anything is encoded (so a rejected message never
 * touches the log). Topic bytes and born-host bytes are cached.
 */
export class AppendPreparer {
  private readonly topics = new Map<string, Buffer>();
  private readonly frozen = new WeakMap<object, EncodedProperties>();
  private lastHost: HostAddress | undefined;
  private lastHostBytes: Uint8Array = ZERO_HOST;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly segmentBytes: number,
  ) {}

  prepare(input: AppendInput): Prepared {
    const topicBytes = this.topic(input.topic);
    const q = input.queueId;
    if (!Number.isInteger(q) || q < 0 || q > 0x7fffffff) {
      throw new CometError('QUEUE_ID_INVALID', `queueId ${String(q)} is not a non-negative integer`);
    }
    if (!(input.body instanceof Uint8Array)) throw new CometError('MESSAGE_INVALID', 'body must be bytes');
    checkNumbers(input);
    if (input.body.length > this.maxMessageBytes) {
      throw new CometError('MESSAGE_TOO_LARGE', `body is ${input.body.length} bytes; the limit is ${this.maxMessageBytes}`);
    }
    const props = mergeProperties(input.properties, input.tags, input.keys);
    const { properties, propertiesBytes } = this.encoded(props);
    if (propertiesBytes > MAX_PROPERTIES_BYTES) {
      throw new CometError('MESSAGE_PROPERTIES_TOO_LARGE', `properties are ${propertiesBytes} bytes; the limit is ${MAX_PROPERTIES_BYTES}`);
    }
    const size = recordSize(input.body.length, topicBytes.length, propertiesBytes);
    if (size > this.segmentBytes - BLANK_MIN_BYTES) {
      throw new CometError('MESSAGE_TOO_LARGE', `record of ${size} bytes cannot fit a ${this.segmentBytes}-byte segment`);
    }
    const tags = props[PROPERTY.TAGS];
    const keysText = props[PROPERTY.KEYS];
    return {
      input,
      topicBytes,
      properties,
      propertiesBytes,
      size,
      tagCode: tagHashCode(tags),
      keys: keysText === undefined ? NO_KEYS : splitKeys(keysText),
      uniqKey: props[PROPERTY.UNIQ_KEY],
      bornHost: this.host(input.bornHost),
    };
  }

  /**
   * The encoded properties and their UTF-8 length. A frozen properties object cannot change, so its
   * encoding is kept (a door that sends many messages with one shared frozen object encodes it once).
   */
  private encoded(props: Readonly<Record<string, string>>): EncodedProperties {
    const known = Object.isFrozen(props) ? this.frozen.get(props) : undefined;
    if (known !== undefined) return known;
    const properties = encodeProperties(props);
    const e = { properties, propertiesBytes: properties.length === 0 ? 0 : Buffer.byteLength(properties, 'utf8') };
    if (Object.isFrozen(props)) this.frozen.set(props, e);
    return e;
  }

  private topic(name: string): Buffer {
    const cached = this.topics.get(name);
    if (cached) return cached;
    validateTopicName(name);
    const bytes = Buffer.from(name, 'utf8');
    if (bytes.length > MAX_TOPIC_BYTES) throw new CometError('TOPIC_NAME_INVALID', `topic is ${bytes.length} bytes`);
    if (this.topics.size >= TOPIC_CACHE_MAX) this.topics.clear();
    this.topics.set(name, bytes);
    return bytes;
  }

  private host(h: HostAddress | undefined): Uint8Array {
    if (h === undefined) return ZERO_HOST;
    if (this.lastHost !== undefined && this.lastHost.address === h.address) return this.lastHostBytes;
    this.lastHost = h;
    this.lastHostBytes = hostBytes(h.address);
    return this.lastHostBytes;
  }
}
