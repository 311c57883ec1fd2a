import test from 'ava';
import { backoffDelay } from './backoff.js';
import { base64Decode, base64Encode, toWireMessage, toWireMessages, utf8Decode } from './codec.js';
import { CometError } from './errors.js';
import { WebMessage } from './message.js';
import { messageFrame } from './test/fake-websocket.js';

const noSettle = { settle: (): void => undefined };

test('base64 round-trips any bytes and agrees with Buffer, also above one chunk', (t) => {
  for (const size of [0, 1, 2, 3, 255, 0x8000, 0x8000 * 2 + 7]) {
    const bytes = new Uint8Array(size).map((_, i) => (i * 7919 + size) & 0xff);
    const text = base64Encode(bytes);
    t.is(text, Buffer.from(bytes).toString('base64'), `size ${size}`);
    t.deepEqual(base64Decode(text), bytes);
  }
});

test('a string body goes as utf8 text, bytes as base64, json as its JSON text', (t) => {
  t.deepEqual(toWireMessage('héllo ✓'), { body: 'héllo ✓', encoding: 'utf8' });
  t.deepEqual(toWireMessage(new Uint8Array([0xff, 0x00, 0x80])), { body: '/wCA', encoding: 'base64' });
  t.deepEqual(toWireMessage(new Uint8Array([1, 2, 3]).buffer), { body: 'AQID', encoding: 'base64' });
  t.deepEqual(toWireMessage({ body: new DataView(new Uint8Array([9, 1, 2, 3]).buffer, 1, 2) }), { body: 'AQI=', encoding: 'base64' });
  t.deepEqual(toWireMessage({ json: { a: [1, 'x'] } }), { body: '{"a":[1,"x"]}', encoding: 'utf8' });
});

test('message fields are carried; keys become an array; deliverAt accepts a Date', (t) => {
  const wire = toWireMessage({ body: 'x', tag: 'TagA', keys: 'k1', properties: { p: 'v' }, shardingKey: 's', deliverAt: new Date(5000) });
  t.deepEqual(wire, { body: 'x', encoding: 'utf8', tag: 'TagA', keys: ['k1'], properties: { p: 'v' }, shardingKey: 's', deliverAt: 5000 });
  t.deepEqual(toWireMessage({ body: 'x', keys: ['a', 'b'], delayLevel: 2 }), { body: 'x', encoding: 'utf8', keys: ['a', 'b'], delayLevel: 2 });
});

test('bad produce input is SDK_OPTION_INVALID naming the message', (t) => {
  const both = t.throws(() => toWireMessages(['ok', { body: 'a', json: 1 }]), { instanceOf: CometError });
  t.is(both?.code, 'SDK_OPTION_INVALID');
  t.regex(both?.message ?? '', /messages\[1\]/);
  t.is(t.throws(() => toWireMessage({}))?.message.includes('exactly one of body and json'), true);
  t.is(t.throws(() => toWireMessage({ body: { a: 1 } as unknown as string }))?.message.includes('use json for objects'), true);
  t.is(t.throws(() => toWireMessage({ json: () => 1 }))?.message.includes('not JSON-serialisable'), true);
  t.is(t.throws(() => toWireMessages([]), { instanceOf: CometError })?.code, 'SDK_OPTION_INVALID');
});

test('a received message decodes utf8 and base64 bodies; text() and json()', (t) => {
  const text = new WebMessage(messageFrame('s1', 0, 1, '{"n":1,"s":"é"}') as never, noSettle);
  t.deepEqual(text.body, new TextEncoder().encode('{"n":1,"s":"é"}'));
  t.deepEqual(text.json(), { n: 1, s: 'é' });
  const binary = new WebMessage(messageFrame('s1', 0, 2, '/wCA', { encoding: 'base64', tag: 'T1', keys: ['k'], properties: { a: 'b' } }) as never, noSettle);
  t.deepEqual(binary.body, new Uint8Array([0xff, 0x00, 0x80]));
  t.is(binary.tag, 'T1');
  t.deepEqual(binary.keys, ['k']);
  t.deepEqual(binary.properties, { a: 'b' });
  t.is(utf8Decode(new Uint8Array([0x68, 0x69])), 'hi');
  t.is(text.tag, undefined);
});

test('ack and nack settle once', (t) => {
  const calls: unknown[] = [];
  const m = new WebMessage(messageFrame('s1', 0, 1, 'x') as never, { settle: (handle, action) => calls.push({ handle, ...action }) });
  m.ack();
  m.ack();
  m.nack(3);
  t.true(m.settled);
  t.deepEqual(calls, [{ handle: 'h-0-1-1', op: 'ack' }]);
  const n = new WebMessage(messageFrame('s1', 0, 2, 'x') as never, { settle: (handle, action) => calls.push({ handle, ...action }) });
  n.nack(3);
  t.deepEqual(calls[1], { handle: 'h-0-2-1', op: 'nack', delayLevel: 3 });
});

test('backoff: 100 ms doubling to 10 s, jittered within [d/2, d]', (t) => {
  t.is(backoffDelay(0, {}, () => 0), 50);
  t.is(backoffDelay(0, {}, () => 0.999999), 100);
  t.is(backoffDelay(3, {}, () => 0.999999), 800);
  t.is(backoffDelay(7, {}, () => 0.999999), 10_000);
  t.is(backoffDelay(500, {}, () => 0), 5_000);
  for (let attempt = 0; attempt < 20; attempt++) {
    const ceiling = Math.min(10_000, 100 * 2 ** attempt);
    const d = backoffDelay(attempt);
    t.true(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt}: ${d}`);
  }
  t.is(backoffDelay(2, { initialMs: 1, maxMs: 2 }, () => 0.999999), 2);
});
