/**
 * Crash-test child: adds batches of keyed records to the index at argv[2] forever, printing
 * `acked <indexedUpTo>` after each batch resolves. The parent kills it with SIGKILL.
 */
import { openRocksIndex } from '../rocks-index.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-child <dir>');
const index = await openRocksIndex({ dir, timeIndexIntervalMs: 10 });
let phys = await index.indexedUpTo();
const T0 = Date.UTC(2024, 0, 1);
for (;;) {
  const batch = Array.from({ length: 200 }, () => {
    const n = phys / 100;
    const e = {
      physicalOffset: phys,
      size: 100,
      topic: 'T',
      queueId: n % 4,
      queueOffset: Math.floor(n / 4),
      storeTimestamp: T0 + n * 5,
      keys: ['k', `k${n % 7}`],
      uniqKey: `U${n}`,
    };
    phys += 100;
    return e;
  });
  await index.add(batch);
  process.stdout.write(`acked ${await index.indexedUpTo()}\n`);
}
