/**
 * Crash-test child: appends forever with sync flush and prints `ack <queueId> <queueOffset> <id>`
 * for every acknowledged append (stdout to a pipe is synchronous on Linux: printed = delivered).
 */
import { createSyncFlushPolicy } from '../../flush-sync/policy.js';
import { openCommitLogStore } from '../store.js';
import { crashBody } from './crash-body.js';

const [dir, cycle, segmentBytes] = process.argv.slice(2);
const store = await openCommitLogStore({
  dir: dir!,
  flushPolicy: createSyncFlushPolicy(),
  config: { segmentBytes: Number(segmentBytes), consumeQueueEntriesPerFile: 500, flushConsumeQueueIntervalMs: 20, checkpointIntervalMs: 50 },
});
process.stdout.write('ready\n');
let seq = 0;
const worker = async (): Promise<void> => {
  for (;;) {
    const id = `${cycle}-${seq++}`;
    const queueId = seq % 3;
    const r = await store.append({ topic: 'Crash', queueId, body: crashBody(id), tags: `t${queueId}` });
    if (r.status !== 'ok') {
      process.stdout.write(`rejected ${r.error.code}\n`);
      continue;
    }
    process.stdout.write(`ack ${r.queueId} ${r.queueOffset} ${id}\n`);
  }
};
await Promise.all(Array.from({ length: 16 }, worker));
