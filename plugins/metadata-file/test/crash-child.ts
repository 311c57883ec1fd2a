/**
 * Crash-test child: on the metadata at argv[2], puts topics T<n> (with n in updatedAt) one after the
 * other (plus a burst of concurrent ones) and commits offsets, printing `acked <n>` after each put
 * resolves and `flushed <offset>` after each flushOffsets. The parent kills it with SIGKILL.
 */
import { openFileMetadata } from '../file-metadata.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-child <dir>');
const store = await openFileMetadata({ dir, persistIntervalMs: 1_000_000 });
let n = store.listTopics().length;
const base = { readQueueNums: 4, writeQueueNums: 4, perm: 6, order: false, createdAt: 1 };
for (;;) {
  await store.putTopic({ ...base, topicName: `T${n}`, updatedAt: n });
  process.stdout.write(`acked ${n}\n`);
  n++;
  store.commitOffset('g', 'T', 0, n);
  if (n % 5 === 0) {
    await store.flushOffsets();
    process.stdout.write(`flushed ${n}\n`);
  }
}
