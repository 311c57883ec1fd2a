/** Child for recovery-after-kill9: writes 1 KiB messages (async flush) forever, printing bytes written. */
import { createAsyncFlushPolicy } from '../plugins/flush-async/policy.js';
import { openCommitLogStore } from '../plugins/store-commitlog/store.js';

const dir = process.argv[2]!;
const store = await openCommitLogStore({ dir, flushPolicy: createAsyncFlushPolicy() });
const body = Buffer.alloc(1024, 0x62);
let i = 0;
let lastReport = 0;
const worker = async (): Promise<void> => {
  for (;;) {
    const r = await store.append({ topic: 'BenchTopic', queueId: i++ % 16, body });
    if (r.status !== 'ok') throw r.error;
    const written = store.stats().writtenOffset;
    if (written - lastReport >= 16 * 1048576) {
      lastReport = written;
      process.stdout.write(`${written}\n`);
    }
  }
};
await Promise.all(Array.from({ length: 4096 }, worker));
