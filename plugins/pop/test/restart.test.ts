import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { tempDir } from '../../../test/helpers/kernel-harness.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { popBroker, text } from './harness.js';

const receive = { group: 'G', topic: 'T', max: 8, waitMs: 0 } as const;

test('pop state survives a restart: in-flight redelivered after its invisible time, acked never again, old handles still ack', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-pop-restart-');
  const first = await popBroker(t, { dataDir });
  await first.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  for (const body of ['acked', 'held', 'acked-later']) await first.produce('T', body);
  const [acked, held, later] = await first.pop.receive({ ...receive, invisibleMs: 800 });
  if (!acked || !held || !later) return t.fail('three deliveries expected');
  await first.pop.ack('G', acked.receiptHandle);
  await first.kernel.stop('restart');
  t.deepEqual(await readdir(path.join(dataDir, 'pop')), ['G.json']);

  const second = await popBroker(t, { dataDir });
  await second.pop.ack('G', later.receiptHandle); // a handle from before the restart
  const [again] = await second.pop.receive({ ...receive, invisibleMs: 60_000, waitMs: 20_000 });
  t.like(again, { deliveryAttempt: 2, topic: 'T' });
  t.is(text(again?.message.body ?? new Uint8Array()), 'held');
  t.true(Date.now() >= held.invisibleUntil, 'its invisible time was kept across the restart');
  await t.throwsAsync(second.pop.ack('G', held.receiptHandle), { code: 'RECEIPT_HANDLE_EXPIRED' } as never);
  await second.pop.ack('G', again!.receiptHandle);
  t.is(second.api.queryOffset('G', 'T', 0), 3);
  t.deepEqual(await second.pop.receive({ ...receive, invisibleMs: 60_000, waitMs: 200 }), []);
});

test('state written every persistIntervalMs; with the state lost (crash) a late ack is still remembered and nothing is lost', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-pop-crash-');
  const first = await popBroker(t, { dataDir });
  await first.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  for (const body of ['m0', 'm1', 'm2']) await first.produce('T', body);
  const got = await first.pop.receive({ ...receive, invisibleMs: 60_000 });
  t.is(got.length, 3);
  const file = path.join(dataDir, 'pop', 'G.json');
  await waitFor(async () => (await readdir(path.dirname(file))).includes('G.json'), { message: 'written by the interval' });
  await first.kernel.stop('crash');
  await rm(file); // as if the broker died before its first write

  const second = await popBroker(t, { dataDir });
  await second.pop.ack('G', got[1]!.receiptHandle);
  const redelivered = await second.pop.receive({ ...receive, invisibleMs: 60_000 });
  t.deepEqual(redelivered.map((m) => text(m.message.body)), ['m0', 'm2'], 'at-least-once: the unacked ones again, the acked one not');
});
