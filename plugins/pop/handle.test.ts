import test from 'ava';
import fc from 'fast-check';
import { isCometError } from '../../kernel/errors.js';
import { decodeHandle, encodeHandle, groupTag, HANDLE_VERSION, MAX_HANDLE_LENGTH } from './handle.js';
import type { ReceiptHandle } from './handle.js';

const TAG = groupTag('G');

const arbHandle: fc.Arbitrary<ReceiptHandle> = fc.record({
  groupTag: fc.constant(TAG),
  topic: fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,127}$/),
  retry: fc.boolean(),
  queueId: fc.integer({ min: 0, max: 65_535 }),
  offset: fc.maxSafeNat(),
  attempt: fc.integer({ min: 1, max: 1_000_000 }),
  invisibleUntil: fc.maxSafeNat(),
});

/** decodeHandle either answers or throws RECEIPT_HANDLE_INVALID, nothing else. */
function onlyInvalid(input: unknown): boolean {
  try {
    decodeHandle(input, TAG);
    return true;
  } catch (e) {
    return isCometError(e, 'RECEIPT_HANDLE_INVALID');
  }
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value) ?? 'undefined', 'utf8').toString('base64url');

test('a handle round-trips and stays URL-safe and short', (t) => {
  fc.assert(
    fc.property(arbHandle, (h) => {
      const text = encodeHandle(h);
      return /^[A-Za-z0-9_-]+$/.test(text) && text.length <= MAX_HANDLE_LENGTH && JSON.stringify(decodeHandle(text, TAG)) === JSON.stringify(h);
    }),
  );
  t.pass();
});

test('garbage never decodes to anything but RECEIPT_HANDLE_INVALID (strings, base64 of any JSON, mutated tuples)', (t) => {
  fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.base64String(), fc.anything()), onlyInvalid), { numRuns: 2000 });
  fc.assert(fc.property(fc.jsonValue(), (v) => onlyInvalid(b64(v))), { numRuns: 1000 });
  const mutated = fc.tuple(arbHandle, fc.nat({ max: 7 }), fc.anything()).map(([h, i, v]) => {
    const tuple: unknown[] = [HANDLE_VERSION, h.groupTag, h.topic, h.retry ? 1 : 0, h.queueId, h.offset, h.attempt, h.invisibleUntil];
    tuple[i] = v;
    return b64(tuple);
  });
  fc.assert(fc.property(mutated, onlyInvalid), { numRuns: 2000 });
  t.pass();
});

test('specific bad handles are RECEIPT_HANDLE_INVALID', (t) => {
  const good = encodeHandle({ groupTag: TAG, topic: 'T', retry: false, queueId: 0, offset: 1, attempt: 1, invisibleUntil: 5 });
  const bad: unknown[] = [
    '',
    undefined,
    42,
    'a'.repeat(MAX_HANDLE_LENGTH + 1),
    `${good}=`,
    good.slice(0, -3),
    b64([2, TAG, 'T', 0, 0, 1, 1, 5]),
    b64([1, TAG, 'bad topic', 0, 0, 1, 1, 5]),
    b64([1, TAG, 'T', 0, -1, 1, 1, 5]),
    b64([1, TAG, 'T', 0, 0, 1.5, 1, 5]),
    b64([1, TAG, 'T', 0, 0, 1, 0, 5]),
    b64([1, TAG, 'T', 2, 0, 1, 1, 5]),
    b64({ v: 1 }),
  ];
  for (const h of bad) t.throws(() => decodeHandle(h, TAG), { code: 'RECEIPT_HANDLE_INVALID' } as never, String(h));
  t.throws(() => decodeHandle(good, groupTag('Other')), { code: 'RECEIPT_HANDLE_INVALID', message: /another group/ } as never);
});
