import test from 'ava';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import { enc, harness } from './test/harness.js';

type Change = [name: string, config: TopicConfig | undefined];

function record(h: ReturnType<typeof harness>): { changes: Change[]; stop: () => void } {
  const changes: Change[] = [];
  const stop = h.messaging.topics.onChange((name, config) => {
    // The change is persisted before listeners run (a mismatch would be caught and the event lost).
    if (config !== undefined && JSON.stringify(h.metadata.getTopic(name)) !== JSON.stringify(config)) throw new Error(`${name} not persisted`);
    if (config === undefined && h.metadata.getTopic(name) !== undefined) throw new Error(`${name} still there`);
    changes.push([name, config]);
  });
  return { changes, stop };
}

test('onChange fires after create, update, upsert and delete (config, then undefined)', async (t) => {
  const h = harness(t);
  const { changes } = record(h);
  const created = await h.messaging.topics.create({ topicName: 'A', readQueueNums: 2, writeQueueNums: 2 });
  const updated = await h.messaging.topics.update({ topicName: 'A', perm: 4 });
  const upserted = await h.messaging.topics.upsert({ topicName: 'B' });
  t.true(await h.messaging.topics.delete('A'));
  t.deepEqual(changes, [
    ['A', created],
    ['A', updated],
    ['B', upserted],
    ['A', undefined],
  ]);
  t.like(changes[1]?.[1], { perm: 4 });
  t.false(await h.messaging.topics.delete('A'), 'deleting a missing topic');
  t.is(changes.length, 4, 'no event when nothing was deleted');
});

test('onChange fires for auto-created topics (produce) and internal ones (retry, DLQ, schedule); not for failures', async (t) => {
  const h = harness(t, { start: true });
  const { changes, stop } = record(h);
  const sent = await h.messaging.produce({ topic: 'Auto', body: enc('x') });
  t.like(changes, [['Auto', { topicName: 'Auto' }]]);
  if (sent.status !== 'ok') return;
  await h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: 0 });
  await h.messaging.sendBack({ group: 'G', physicalOffset: sent.physicalOffset, delayLevel: -1 });
  t.deepEqual(
    changes.map(([name]) => name),
    ['Auto', '%RETRY%G', 'SCHEDULE_TOPIC_XXXX', '%DLQ%G'],
  );
  await t.throwsAsync(h.messaging.topics.create({ topicName: 'Auto' }));
  t.is(changes.length, 4, 'a failed create notifies nobody');
  stop();
  await h.messaging.topics.create({ topicName: 'After' });
  t.is(changes.length, 4, 'unsubscribed');
});

test('a throwing listener neither fails the change nor stops other listeners', async (t) => {
  const h = harness(t);
  h.messaging.topics.onChange(() => {
    throw new Error('listener bug');
  });
  const seen: string[] = [];
  h.messaging.topics.onChange((name) => seen.push(name));
  await t.notThrowsAsync(h.messaging.topics.create({ topicName: 'C' }));
  t.truthy(h.metadata.getTopic('C'));
  t.deepEqual(seen, ['C']);
});
