import test from 'ava';
import { decodeBody, encodeBody, isBase64, splitKeys } from './encoding.js';

test('bodies go out as UTF-8 text when valid, else base64, and decode back', (t) => {
  t.deepEqual(encodeBody(Buffer.from('héllo ✓')), { body: 'héllo ✓', encoding: 'utf8' });
  const bytes = Uint8Array.from([0xc3, 0x28, 0x00, 0xff]);
  const out = encodeBody(bytes);
  t.is(out.encoding, 'base64');
  t.deepEqual(decodeBody(out.body, 'base64'), Buffer.from(bytes));
  t.deepEqual(decodeBody('abc', undefined), Buffer.from('abc'));
  const view = new Uint8Array(Buffer.from('xxabcxx').buffer, Buffer.from('xxabcxx').byteOffset + 2, 3);
  t.is(encodeBody(view).body, 'abc', 'a view into a larger buffer encodes only its bytes');
});

test('base64 validation catches text sent by mistake', (t) => {
  for (const ok of ['', 'AA==', 'AAA=', 'AAAA', 'AAA', 'AA', '-_8=', 'aGVsbG8']) t.true(isBase64(ok), ok);
  for (const bad of ['not base64!', 'A', 'AA=', 'A===', 'AAAA====', 'é']) t.false(isBase64(bad), bad);
});

test('keys split on commas and spaces', (t) => {
  t.deepEqual(splitKeys('a, b c'), ['a', 'b', 'c']);
  t.deepEqual(splitKeys(['x', 'y z']), ['x', 'y', 'z']);
  t.is(splitKeys(' , '), undefined);
  t.is(splitKeys(undefined), undefined);
});
