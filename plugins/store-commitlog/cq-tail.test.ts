import test from 'ava';
import fc from 'fast-check';
import { CqTail } from './cq-tail.js';

const ENTRY = 20;

function entries(first: number, n: number): Buffer {
  const b = Buffer.alloc(n * ENTRY);
  for (let i = 0; i < n; i++) b.writeUInt32BE(first + i, i * ENTRY);
  return b;
}

const ids = (r: { buf: Buffer; count: number } | undefined): number[] =>
  r === undefined ? [] : Array.from({ length: r.count }, (_, i) => r.buf.readUInt32BE(i * ENTRY));

test('serves the latest contiguous entries and nothing older than its capacity', (t) => {
  const tail = new CqTail(100);
  for (let o = 0; o < 250; o += 10) tail.put(o, entries(o, 10), 0, 10);
  t.deepEqual(ids(tail.get(240, 32)), [240, 241, 242, 243, 244, 245, 246, 247, 248, 249]);
  t.deepEqual(ids(tail.get(150, 3)), [150, 151, 152]);
  t.is(tail.get(149, 1), undefined, 'evicted');
  t.is(tail.get(250, 1), undefined, 'not written yet');
});

test('a gap restarts the range; truncate forgets the end; overwrites are mirrored', (t) => {
  const tail = new CqTail(64);
  tail.put(0, entries(0, 10), 0, 10);
  tail.put(20, entries(20, 5), 0, 5);
  t.is(tail.get(5, 1), undefined);
  t.deepEqual(ids(tail.get(20, 10)), [20, 21, 22, 23, 24]);
  tail.truncate(22);
  t.deepEqual(ids(tail.get(20, 10)), [20, 21]);
  t.is(tail.get(22, 1), undefined);
  tail.put(21, entries(900, 2), 0, 2);
  t.deepEqual(ids(tail.get(20, 10)), [20, 900, 901]);
});

test('capacity 0 holds nothing', (t) => {
  const tail = new CqTail(0);
  tail.put(0, entries(0, 4), 0, 4);
  t.is(tail.get(0, 4), undefined);
});

test('matches a plain array model under random writes, truncations and reads', (t) => {
  const op = fc.oneof(
    fc.record({ k: fc.constant('put' as const), off: fc.nat(400), n: fc.integer({ min: 1, max: 150 }) }),
    fc.record({ k: fc.constant('append' as const), n: fc.integer({ min: 1, max: 150 }) }),
    fc.record({ k: fc.constant('trunc' as const), off: fc.nat(400) }),
    fc.record({ k: fc.constant('get' as const), off: fc.nat(400), n: fc.integer({ min: 1, max: 80 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 130 }), fc.array(op, { maxLength: 60 }), (cap, ops) => {
      const tail = new CqTail(cap);
      const model = new Map<number, number>();
      let end = 0;
      let tag = 0;
      for (const o of ops) {
        if (o.k === 'put' || o.k === 'append') {
          const off = o.k === 'put' ? o.off : end;
          const b = entries(tag, o.n);
          for (let i = 0; i < o.n; i++) model.set(off + i, tag + i);
          tag += o.n;
          tail.put(off, b, 0, o.n);
          end = Math.max(end, off + o.n);
        } else if (o.k === 'trunc') {
          tail.truncate(o.off);
          for (const k of [...model.keys()]) if (k >= o.off) model.delete(k);
          end = Math.min(end, o.off);
        } else {
          const got = tail.get(o.off, o.n);
          if (got === undefined) continue;
          const want = Array.from({ length: got.count }, (_, i) => model.get(o.off + i));
          if (JSON.stringify(ids(got)) !== JSON.stringify(want)) return false;
        }
      }
      return true;
    }),
  );
  t.pass();
});
