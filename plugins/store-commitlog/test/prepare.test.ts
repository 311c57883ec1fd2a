import test from 'ava';
import { decodeProperties } from '../../../kernel/messaging/record.js';
import { AppendPreparer } from '../prepare.js';

const body = new Uint8Array([1, 2, 3]);
const preparer = (): AppendPreparer => new AppendPreparer(4 * 1024 * 1024, 1024 * 1024 * 1024);

test('a frozen properties object shared by many appends encodes the same each time', (t) => {
  const p = preparer();
  const shared = Object.freeze({ MQTT_TOPIC: 'plant/boiler', TAGS: 'boiler' });
  const a = p.prepare({ topic: 'plant', body, queueId: 0, properties: shared });
  const b = p.prepare({ topic: 'plant', body, queueId: 1, properties: shared });
  t.is(a.properties, b.properties);
  t.deepEqual(decodeProperties(a.properties), { MQTT_TOPIC: 'plant/boiler', TAGS: 'boiler' });
  t.is(a.propertiesBytes, Buffer.byteLength(a.properties));
  t.not(a.tagCode, 0);
  t.is(a.tagCode, b.tagCode);
});

test('a mutable properties object is encoded as it is at each append (no stale encoding)', (t) => {
  const p = preparer();
  const props: Record<string, string> = { k: 'one' };
  const first = p.prepare({ topic: 'T', body, queueId: 0, properties: props });
  props.k = 'two';
  props['é'] = 'ü';
  const second = p.prepare({ topic: 'T', body, queueId: 0, properties: props });
  t.deepEqual(decodeProperties(first.properties), { k: 'one' });
  t.deepEqual(decodeProperties(second.properties), { k: 'two', é: 'ü' });
  t.is(second.propertiesBytes, Buffer.byteLength(second.properties, 'utf8'));
});

test('tags and keys given as fields are merged into a frozen set without changing it', (t) => {
  const p = preparer();
  const shared = Object.freeze({ a: '1' });
  const withTag = p.prepare({ topic: 'T', body, queueId: 0, properties: shared, tags: 'x', keys: ['k1', 'k2'] });
  const without = p.prepare({ topic: 'T', body, queueId: 0, properties: shared });
  t.deepEqual(decodeProperties(withTag.properties), { a: '1', TAGS: 'x', KEYS: 'k1 k2' });
  t.deepEqual(decodeProperties(without.properties), { a: '1' });
  t.deepEqual(shared, { a: '1' });
});
