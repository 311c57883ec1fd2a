import test from 'ava';
import { createKernel, type Kernel } from '../../../kernel/kernel.js';
import type { Messaging } from '../../../kernel/messaging/api.js';
import { INTERNAL_IDENTITY } from '../../../kernel/messaging/auth.js';
import { MESSAGING } from '../../../kernel/tokens.js';
import { tempDir } from '../../../test/helpers/kernel-harness.js';
import { captureLogger } from '../../../test/helpers/kernel-logs.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC } from '../schedule.js';

/** File metadata + commit-log store + messaging; level 1 is short so real time can pass it, level 2 never does. */
function brokerAt(dataDir: string): Kernel {
  return createKernel({
    logger: captureLogger().logger,
    config: {
      defaults: { load: [] },
      values: {
        dataDir,
        load: ['metadata-file', 'store-commitlog', 'flush-sync', 'auth-allow-all', 'messaging'],
        plugins: { messaging: { delayLevels: '200ms 1h' } },
      },
      env: {},
      flags: {},
      cwd: dataDir,
    },
  });
}

async function bodies(api: Messaging, topic: string): Promise<string[]> {
  const r = await api.read({ topic, queueId: 0, offset: 0, max: 100 }, INTERNAL_IDENTITY);
  return r.status === 'found' ? r.messages.map((m) => Buffer.from(m.body).toString('utf8')) : [];
}

test('kernel: a delayed message is delivered once across a broker restart; a held one stays held', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-delay-');
  const first = brokerAt(dataDir);
  t.teardown(() => first.stop('teardown').then(() => undefined));
  await first.start();
  const api = first.resolve(MESSAGING);
  await api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  t.like(await api.produce({ topic: 'T', body: Buffer.from('soon'), delayLevel: 1 }), { status: 'ok', topic: SCHEDULE_TOPIC, queueId: 0 });
  t.like(await api.produce({ topic: 'T', body: Buffer.from('later'), properties: { DELAY: '2' } }), { status: 'ok', queueId: 1 });
  await waitFor(async () => (await bodies(api, 'T')).length === 1, { message: 'level 1 delivered' });
  await first.stop('restart');

  const second = brokerAt(dataDir);
  t.teardown(() => second.stop('teardown').then(() => undefined));
  await second.start();
  const again = second.resolve(MESSAGING);
  t.like(again.topics.get(SCHEDULE_TOPIC), { readQueueNums: 2, writeQueueNums: 2 });
  t.deepEqual(
    again.groups.offsets(SCHEDULE_OFFSET_GROUP).map((e) => [e.topic, e.queueId, e.offset]),
    [[SCHEDULE_TOPIC, 0, 1]],
    'the level-1 offset was persisted by the metadata store',
  );
  // Level 1 is FIFO: if "soon" were delivered again it would land before "next".
  await again.produce({ topic: 'T', body: Buffer.from('next'), delayLevel: 1 });
  await waitFor(async () => (await bodies(again, 'T')).length >= 2, { message: 'next delivered' });
  t.deepEqual(await bodies(again, 'T'), ['soon', 'next']);
  t.is(again.maxOffset(SCHEDULE_TOPIC, 1), 1, '"later" (1 h) is still held');
});
