import test from 'ava';
import { QueueState } from './queue-state.js';

test('committed is the lowest in-flight offset, else the cursor; it only moves past contiguous acks', (t) => {
  const q = new QueueState(10);
  for (const o of [10, 11, 12, 13]) q.deliver(o, o * 100, 1000 + o);
  t.is(q.committed, 10);
  q.markDone(11, 10);
  q.markDone(12, 10);
  t.is(q.committed, 10);
  q.markDone(10, 10);
  t.is(q.committed, 13);
  q.markDone(13, 10);
  t.is(q.committed, 14);
  t.is(q.cursor, 14);
  t.like(q.status(12), { kind: 'done' });
  t.like(q.status(14), { kind: 'unseen' });
});

test('skipped offsets are done; acks ahead of the cursor are remembered (bounded) and skipped', (t) => {
  const q = new QueueState(0);
  q.deliver(3, 300, 50); // 0..2 filtered out
  t.like(q.status(1), { kind: 'done' });
  t.is(q.committed, 3);
  t.true(q.markDone(7, 2));
  t.true(q.markDone(8, 2));
  t.false(q.markDone(9, 2), 'beyond the limit it is not remembered');
  t.true(q.isAhead(7));
  q.advanceCursor(8);
  t.false(q.isAhead(7), 'passed by the cursor: nothing left to remember');
  t.true(q.isAhead(8));
  t.is(q.aheadCount, 1);
});

test('expiry order follows invisible time, with updates (extend, redelivery) superseding earlier rows', (t) => {
  const q = new QueueState(0);
  q.deliver(0, 0, 300);
  q.deliver(1, 1, 100);
  q.deliver(2, 2, 200);
  t.is(q.earliestDue(), 100);
  t.is(q.nextExpired(99), undefined);
  t.is(q.nextExpired(150), 1);
  q.update(1, q.entry(1)!, 1, 1000); // extended
  t.is(q.nextExpired(250), 2);
  q.update(2, q.entry(2)!, 2, 900); // redelivered
  t.is(q.nextExpired(350), 0);
  q.markDone(0, 0);
  t.is(q.earliestDue(), 900);
  for (let i = 0; i < 500; i++) q.update(1, q.entry(1)!, 1, 2000 + i); // heap stays bounded (rebuilt)
  t.is(q.earliestDue(), 900);
});

test('snapshot/restore keeps cursor, in-flight entries and acks ahead; clampTo forgets what the store lost', (t) => {
  const q = new QueueState(5);
  q.deliver(5, 500, 10);
  q.deliver(6, 600, 20);
  q.markDone(9, 10);
  const r = QueueState.restore(q.snapshot());
  t.deepEqual(r.snapshot(), q.snapshot());
  t.is(r.committed, 5);
  t.like(r.entry(6), { attempt: 1, invisibleUntil: 20, physicalOffset: 600 });
  t.is(r.nextExpired(15), 5);
  r.clampTo(6);
  t.is(r.cursor, 6);
  t.is(r.entry(6), undefined);
  t.is(r.aheadCount, 0);
});
