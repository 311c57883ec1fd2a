import test from 'ava';
import type { Clock, TimerHandle } from '../../kernel/services.js';
import { RebalanceLockManager } from './lock-manager.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const noTimer: TimerHandle = { cancel: () => undefined, unref: () => noTimer };
  return { now: () => now, monotonic: () => now, setTimeout: () => noTimer, setInterval: () => noTimer, advance: (ms) => void (now += ms) };
}

const mq = (queueId: number) => ({ topic: 'T', brokerName: 'b', queueId });

test('a lock lapses after lockExpiryMs unless its owner renews it', (t) => {
  const clock = manualClock();
  const locks = new RebalanceLockManager(clock, 1000);
  t.deepEqual(locks.tryLockBatch('G', [mq(0), mq(1)], 'A'), [mq(0), mq(1)]);
  clock.advance(600);
  t.deepEqual(locks.tryLockBatch('G', [mq(0)], 'A'), [mq(0)], 'renew queue 0 only');
  clock.advance(600);
  t.is(locks.owner('G', mq(0)), 'A');
  t.is(locks.owner('G', mq(1)), undefined, 'queue 1 expired');
  t.deepEqual(locks.tryLockBatch('G', [mq(0), mq(1)], 'B'), [mq(1)]);
  locks.scanExpired();
  t.is(locks.owner('G', mq(1)), 'B');
});
