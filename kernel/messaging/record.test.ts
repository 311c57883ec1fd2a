import test from 'ava';
import fc from 'fast-check';
import { decodeMsgId, encodeMsgId } from './msgid.js';
import {
  BLANK_MIN_BYTES,
  MAGIC_BLANK,
  RecordView,
  bodyCrc,
  checkRecord,
  decodeProperties,
  encodeBlank,
  encodeProperties,
  encodeRecord,
  hostBytes,
  recordSize,
} from './record.js';
import { tagHashCode } from './tags.js';

const propText = fc.string({ minLength: 0, maxLength: 20 }).filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));

test('record round trip (property test): every field survives encode → RecordView', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,127}$/),
      fc.dictionary(propText.filter((k) => k.length > 0), propText, { maxKeys: 5 }),
      fc.record({
        queueId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        queueOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        physicalOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        bornTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
        storeTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
        reconsumeTimes: fc.integer({ min: 0, max: 1000 }),
        preparedTransactionOffset: fc.integer({ min: 0, max: 2 ** 50 }),
        port: fc.integer({ min: 0, max: 65535 }),
        sysFlag: fc.integer({ min: 0, max: 0xf }),
      }),
      (body, topic, props, f) => {
        const properties = encodeProperties(props);
        const propertiesBytes = Buffer.byteLength(properties);
        const topicBytes = Buffer.from(topic);
        const size = recordSize(body.length, topicBytes.length, propertiesBytes);
        const buf = Buffer.alloc(size + 10);
        const written = encodeRecord(buf, 5, {
          body,
          topicBytes,
          properties,
          propertiesBytes,
          queueId: f.queueId,
          flag: f.flag,
          queueOffset: f.queueOffset,
          physicalOffset: f.physicalOffset,
          sysFlag: f.sysFlag,
          bornTimestamp: f.bornTimestamp,
          bornHost: hostBytes('10.1.2.3'),
          bornPort: f.port,
          storeTimestamp: f.storeTimestamp,
          storeHost: hostBytes('::ffff:127.0.0.1'),
          storePort: 10911,
          reconsumeTimes: f.reconsumeTimes,
          preparedTransactionOffset: f.preparedTransactionOffset,
        });
        t.is(written, size);
        const raw = buf.subarray(5, 5 + size);
        t.is(checkRecord(raw, 0, size), 'ok');
        const r = new RecordView(raw);
        t.deepEqual(Buffer.from(r.body), Buffer.from(body));
        t.is(r.topic, topic);
        t.deepEqual(r.properties, props);
        t.is(r.size, size);
        t.is(r.queueId, f.queueId);
        t.is(r.flag, f.flag);
        t.is(r.queueOffset, f.queueOffset);
        t.is(r.physicalOffset, f.physicalOffset);
        t.is(r.sysFlag, f.sysFlag);
        t.is(r.bornTimestamp, f.bornTimestamp);
        t.is(r.storeTimestamp, f.storeTimestamp);
        t.is(r.reconsumeTimes, f.reconsumeTimes);
        t.is(r.preparedTransactionOffset, f.preparedTransactionOffset);
        t.deepEqual(r.bornHost, { address: '10.1.2.3', port: f.port });
        t.deepEqual(r.storeHost, { address: '127.0.0.1', port: 10911 });
        t.is(r.bodyCrc, bodyCrc(body));
        t.is(r.msgId, encodeMsgId({ address: '127.0.0.1', port: 10911 }, f.physicalOffset));
        t.true(r.raw.buffer === buf.buffer, 'raw is a zero-copy view');
      },
    ),
    { numRuns: 200 },
  );
});

test('the protocol example record is 120 bytes (§3.1)', (t) => {
  const properties = encodeProperties({ TAGS: 'TagA', KEYS: 'k1' });
  t.is(properties, 'TAGS\u0001TagA\u0002KEYS\u0001k1');
  // Java writes no trailing U+0002: 18 - 1 bytes of the example's ali-ons string.
  t.is(recordSize(5, 6, Buffer.byteLength(properties) + 1), 120);
});

test('properties codec: no trailing separator; reader tolerates trailing and empty items', (t) => {
  t.is(encodeProperties({}), '');
  t.is(encodeProperties({ a: '1', b: '' }), 'a\u00011\u0002b\u0001');
  t.deepEqual(decodeProperties('a\u00011\u0002b\u0001'), { a: '1', b: '' });
  t.deepEqual(decodeProperties('TAGS\u0001x\u0002'), { TAGS: 'x' });
  t.deepEqual(decodeProperties('\u0002\u0002a\u00011\u0002\u0002'), { a: '1' });
  t.deepEqual(decodeProperties('noValue\u0002\u0001orphan\u0002k\u0001v'), { k: 'v' });
  t.deepEqual(decodeProperties(''), {});
  t.deepEqual(decodeProperties('k\u0001v\u0001w'), { k: 'v\u0001w' });
  const proto = decodeProperties('__proto__\u0001x');
  t.is(Object.getPrototypeOf(proto), Object.prototype, 'a __proto__ key never changes the prototype');
  t.deepEqual(Object.keys(proto), ['__proto__']);
  t.throws(() => encodeProperties({ 'a\u0001': 'x' }), { code: 'MESSAGE_PROPERTY_INVALID' } as never);
  t.throws(() => encodeProperties({ a: 'x\u0002' }), { code: 'MESSAGE_PROPERTY_INVALID' } as never);
  t.throws(() => encodeProperties({ '': 'x' }), { code: 'MESSAGE_PROPERTY_INVALID' } as never);
  fc.assert(
    fc.property(fc.dictionary(propText.filter((k) => k.length > 0), propText), (props) => {
      t.deepEqual(decodeProperties(encodeProperties(props)), props);
      t.deepEqual(decodeProperties(encodeProperties(props) + '\u0002'), props);
    }),
  );
});

test('msgId: 32 uppercase hex of IPv4 + port + offset, round trip', (t) => {
  t.is(encodeMsgId({ address: '127.0.0.1', port: 40609 }, 1000), '7F00000100009EA100000000000003E8');
  fc.assert(
    fc.property(
      fc.ipV4(),
      fc.integer({ min: 0, max: 65535 }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      (address, port, phys) => {
        const id = encodeMsgId({ address, port }, phys);
        t.regex(id, /^[0-9A-F]{32}$/);
        const back = decodeMsgId(id);
        t.deepEqual(back, { storeHost: { address, port }, physicalOffset: phys });
      },
    ),
  );
  t.deepEqual([...hostBytes('fe80::1')], [0, 0, 0, 0]);
});

test('checkRecord: blank, zero and corrupt records; tag codes', (t) => {
  const buf = Buffer.alloc(64);
  t.is(checkRecord(buf, 0, 64), 'zero');
  encodeBlank(buf, 0, 64);
  t.is(buf.readInt32BE(4), MAGIC_BLANK);
  t.is(checkRecord(buf, 0, 64), 'blank');
  buf.writeInt32BE(BLANK_MIN_BYTES - 1, 0);
  t.is(checkRecord(buf, 0, 64), 'bad');
  buf.fill(7);
  t.is(checkRecord(buf, 0, 64), 'bad');
  t.is(tagHashCode('TagA'), 2598919);
  t.is(tagHashCode(undefined), 0);
});
