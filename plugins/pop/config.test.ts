import test from 'ava';
import { popConfig, popConfigSchema } from './config.js';

test('config: every key has a default; unknown keys and out-of-range values are reported', (t) => {
  t.deepEqual(popConfig(), { maxDeliveryAttempts: 17, maxInflightPerQueue: 10_000, persistIntervalMs: 1000 });
  t.false(popConfigSchema.safeParse({ bogus: 1 }).success);
  t.false(popConfigSchema.safeParse({ maxInflightPerQueue: 0 }).success);
  t.false(popConfigSchema.safeParse({ persistIntervalMs: 1.5 }).success);
});
