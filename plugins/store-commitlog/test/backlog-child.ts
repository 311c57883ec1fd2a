/**
 * Backlog child: writes N small messages to one queue (segments roll), reads them all back in
 * order verifying each body and offset, and reports the peak RSS. Prints one JSON line.
 */
import { createAsyncFlushPolicy } from '../../flush-async/policy.js';
import { openCommitLogStore } from '../store.js';

const [dir, countText] = process.argv.slice(2);
const count = Number(countText);
let peak = process.memoryUsage.rss();
const sample = (): void => void (peak = Math.max(peak, process.memoryUsage.rss()));
const timer = setInterval(sample, 20);
const bodyOf = (i: number): Buffer => Buffer.from(`backlog-message-${String(i).padStart(8, '0')}-${'b'.repeat(40 + (i % 50))}`);

const store = await openCommitLogStore({
  dir: dir!,
  flushPolicy: createAsyncFlushPolicy(),
  config: { segmentBytes: 8 * 1024 * 1024, consumeQueueEntriesPerFile: 100_000 },
});
let next = 0;
const writer = async (): Promise<void> => {
  while (next < count) {
    const i = next++;
    const r = await store.append({ topic: 'Backlog', queueId: 0, body: bodyOf(i) });
    if (r.status !== 'ok' || r.queueOffset !== i) throw new Error(`append ${i}: ${JSON.stringify(r)}`);
  }
};
await Promise.all(Array.from({ length: 1024 }, writer));
const segments = store.stats().segmentCount;
let offset = 0;
let mismatches = 0;
for (;;) {
  const r = await store.read({ topic: 'Backlog', queueId: 0, offset, max: 512 });
  if (r.status !== 'found') break;
  for (const m of r.messages) {
    if (m.queueOffset !== offset || !bodyOf(offset).equals(Buffer.from(m.body))) mismatches++;
    offset++;
  }
  sample();
}
await store.close();
clearInterval(timer);
sample();
process.stdout.write(`${JSON.stringify({ written: count, read: offset, mismatches, segments, rssPeakMb: Math.round(peak / 1048576) })}\n`);
