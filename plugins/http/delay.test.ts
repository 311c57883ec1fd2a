import test from 'ava';
import { isCometError } from '../../kernel/errors.js';
import { delayLevelFor } from './delay.js';

const LEVELS = [1000, 5000, 10_000, 30_000, 60_000];

test('deliverAt maps to the smallest delay level at least as long as the wait', (t) => {
  t.is(delayLevelFor(10_000 + 1, 10_000, LEVELS), 1);
  t.is(delayLevelFor(10_000 + 1000, 10_000, LEVELS), 1);
  t.is(delayLevelFor(10_000 + 1001, 10_000, LEVELS), 2);
  t.is(delayLevelFor(10_000 + 29_999, 10_000, LEVELS), 4);
  t.is(delayLevelFor(10_000 + 60_000, 10_000, LEVELS), 5);
  t.is(delayLevelFor(5000, 10_000, LEVELS), 0, 'a time already passed: no delay');
  t.is(delayLevelFor(10_000, 10_000, LEVELS), 0);
  t.is(delayLevelFor(10_000 + 2000, 10_000, [5000, 1000, 3000]), 3, 'levels need not be sorted');
});

test('a wait beyond the longest level is refused rather than delivered early', (t) => {
  const e = t.throws(() => delayLevelFor(10_000 + 60_001, 10_000, LEVELS));
  t.true(isCometError(e, 'MESSAGE_INVALID'));
  t.regex(e?.message ?? '', /longest delay level is 60000 ms/);
});
