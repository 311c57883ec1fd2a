import test from 'ava';
import fc from 'fast-check';
import { bucketOf, encodeHit, hitKey, hitPrefix, parseHitKey, PREFIX_KEY, readU64, successor, timeKey, timeQueuePrefix, u64 } from './keys.js';
import { decodeCursor, encodeCursor } from './lookup.js';

const phys = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

test('u64 round-trips and its byte order is the numeric order', (t) => {
  fc.assert(
    fc.property(phys, phys, (a, b) => {
      t.is(readU64(u64(a), 0), a);
      return Math.sign(Buffer.compare(u64(a), u64(b))) === Math.sign(a - b);
    }),
  );
});

test('hit keys of one term sort by physical offset and parse back', (t) => {
  fc.assert(
    fc.property(fc.string(), fc.string(), phys, phys, (topic, key, a, b) => {
      const prefix = hitPrefix(PREFIX_KEY, bucketOf(1_700_000_000_000), topic, key);
      t.is(parseHitKey(hitKey(prefix, a), prefix), a);
      return Math.sign(Buffer.compare(hitKey(prefix, a), hitKey(prefix, b))) === Math.sign(a - b);
    }),
  );
});

test('time keys of one queue sort by timestamp and stay below the next queue', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xfffffffe }), phys, (queueId, ts) => {
      const prefix = timeQueuePrefix('Topic', queueId);
      const key = timeKey(prefix, ts);
      t.true(Buffer.compare(key, successor(prefix)) < 0);
      return Buffer.compare(key, timeQueuePrefix('Topic', queueId + 1)) < 0;
    }),
  );
});

test('cursors round-trip', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), phys, (bucket, p) => {
      t.deepEqual(decodeCursor(encodeCursor({ bucket, phys: p })), { bucket, phys: p });
    }),
  );
});

test('encodeHit equals hitKey(hitPrefix(...))', (t) => {
  fc.assert(
    fc.property(fc.option(fc.string(), { nil: undefined }), fc.string(), fc.integer({ min: 0, max: 0xffffffff }), phys, (name, term, bucket, p) => {
      t.deepEqual(encodeHit(PREFIX_KEY, bucket, name, term, p), hitKey(hitPrefix(PREFIX_KEY, bucket, name, term), p));
    }),
  );
});
