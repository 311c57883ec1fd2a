import test from 'ava';
import { createKernel, type Kernel } from '../../kernel/kernel.js';
import { DEFAULT_LOAD } from '../../kernel/config/schema.js';
import { MESSAGING } from '../../kernel/tokens.js';
import type { AppendOk } from '../../kernel/messaging/store.js';
import { parseTagExpression } from '../../kernel/messaging/tags.js';
import { tempDir } from '../helpers/kernel-harness.js';
import { captureLogger } from '../helpers/kernel-logs.js';
import { LOOPBACK_DOORS } from '../helpers/loopback.js';

function brokerAt(dataDir: string, load: readonly string[] = DEFAULT_LOAD): Kernel {
  return createKernel({
    logger: captureLogger().logger,
    config: {
      defaults: { load: [] },
      values: {
        dataDir,
        load: [...load],
        plugins: { ...LOOPBACK_DOORS, 'store-commitlog': { segmentBytes: 256 * 1024, consumeQueueEntriesPerFile: 500 } },
      },
      env: {},
      flags: {},
      cwd: dataDir,
    },
  });
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

for (const flush of ['flush-async', 'flush-sync'] as const) {
  test(`restart (${flush}) keeps every message, topic and committed offset`, async (t) => {
    const dataDir = await tempDir(t, 'cometmq-restart-');
    const load = DEFAULT_LOAD.map((n) => (n === 'flush-async' ? flush : n));
    const first = brokerAt(dataDir, load);
    t.teardown(() => first.stop('teardown').then(() => undefined));
    await first.start();
    const api = first.resolve(MESSAGING);
    await api.topics.create({ topicName: 'Orders', readQueueNums: 4, writeQueueNums: 4 });
    await api.topics.create({ topicName: 'Audit', readQueueNums: 2, writeQueueNums: 2, perm: 4 | 2 });

    const sent: AppendOk[] = [];
    for (let i = 0; i < 2_000; i++) {
      const r = await api.produce({
        topic: 'Orders',
        body: Buffer.from(`order-${i}`),
        tags: i % 2 === 0 ? 'even' : 'odd',
        keys: [`order-key-${i}`],
        properties: { seq: String(i) },
        shardingKey: `customer-${i % 7}`,
      });
      if (r.status !== 'ok') return t.fail(r.error.message);
      sent.push(r);
    }
    await api.commitOffset('billing', 'Orders', 0, 17);
    await api.commitOffset('billing', 'Orders', 3, 5);
    const maxBefore = [0, 1, 2, 3].map((q) => api.maxOffset('Orders', q));
    await first.stop('restart');

    const second = brokerAt(dataDir, load);
    t.teardown(() => second.stop('teardown').then(() => undefined));
    await second.start();
    const again = second.resolve(MESSAGING);

    t.deepEqual(
      again.topics.list().map((c) => [c.topicName, c.readQueueNums, c.writeQueueNums]).sort(),
      [['Audit', 2, 2], ['Orders', 4, 4]],
    );
    t.deepEqual([0, 1, 2, 3].map((q) => again.maxOffset('Orders', q)), maxBefore);
    t.is(again.queryOffset('billing', 'Orders', 0), 17);
    t.is(again.queryOffset('billing', 'Orders', 3), 5);
    t.is(again.startOffset('newcomers', 'Orders', 1), again.minOffset('Orders', 1));

    // Every message is back, in order per queue, with its fields.
    const seen = new Map<number, string>();
    for (let q = 0; q < 4; q++) {
      let offset = 0;
      let lastSeq = -1;
      for (;;) {
        const r = await again.read({ topic: 'Orders', queueId: q, offset, max: 64 });
        if (r.status !== 'found') break;
        for (const m of r.messages) {
          const seq = Number(m.properties.seq);
          t.true(seq > lastSeq, 'FIFO within a queue');
          lastSeq = seq;
          t.is(text(m.body), `order-${seq}`);
          t.deepEqual(m.keys, [`order-key-${seq}`]);
          seen.set(seq, m.msgId);
        }
        offset = r.nextOffset;
      }
    }
    t.is(seen.size, sent.length);
    for (const [i, r] of sent.entries()) t.is(seen.get(i), r.msgId);

    // Tag filtering and lookups survive the restart too.
    const evens = await again.read({ topic: 'Orders', queueId: sent[0]!.queueId, offset: 0, max: 32, filter: parseTagExpression('even') });
    t.is(evens.status, 'found');
    if (evens.status === 'found') t.true(evens.messages.every((m) => m.tags === 'even'));
    const viewed = await again.viewMessage(sent[1234]!.msgId);
    t.is(viewed === undefined ? undefined : text(viewed.body), 'order-1234');
    const byKey = await again.queryByKey('Orders', 'order-key-42', { limit: 10 });
    t.deepEqual(byKey.messages.map((m) => text(m.body)), ['order-42']);
  });
}
