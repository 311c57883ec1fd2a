import test, { type ExecutionContext } from 'ava';
import type { MetadataStore, SubscriptionGroupConfig, TopicConfig } from '../../kernel/messaging/metadata.js';

/**
 * The shared case-test suite of the MetadataStore contract (kernel/messaging/metadata.ts). Each
 * implementation's test file calls `metadataContract(name, factory, options)` once.
 */
export interface MetadataHarness {
  readonly store: MetadataStore;
  /** Stop cleanly (offsets flushed) and open the same data again. */
  reopen(): Promise<MetadataHarness>;
  /** Abandon this instance without any flush (as kill -9 would) and open the same data again. */
  crashAndReopen(): Promise<MetadataHarness>;
  close(): Promise<void>;
}

export type MetadataFactory = (t: ExecutionContext) => Promise<MetadataHarness>;

export interface MetadataContractOptions {
  /** False for in-memory implementations: the persistence cases are then not registered. */
  readonly persistent: boolean;
}

export function topicConfig(topicName: string, extra: Partial<TopicConfig> = {}): TopicConfig {
  return { topicName, readQueueNums: 8, writeQueueNums: 8, perm: 6, order: false, createdAt: 1000, updatedAt: 1000, ...extra };
}

export function groupConfig(groupName: string, extra: Partial<SubscriptionGroupConfig> = {}): SubscriptionGroupConfig {
  return { groupName, consumeEnable: true, consumeBroadcastEnable: true, retryQueueNums: 1, retryMaxTimes: 16, createdAt: 1000, ...extra };
}

const byName = <T>(items: readonly T[], name: (item: T) => string): string[] => items.map(name).sort();

export function metadataContract(name: string, factory: MetadataFactory, options: MetadataContractOptions): void {
  const open = async (t: ExecutionContext) => {
    const state = { h: await factory(t) };
    t.teardown(() => state.h.close());
    return {
      get store() {
        return state.h.store;
      },
      async reopen() {
        state.h = await state.h.reopen();
        return state.h.store;
      },
      async crashAndReopen() {
        state.h = await state.h.crashAndReopen();
        return state.h.store;
      },
    };
  };

  test(`${name}: topics can be put, got, listed, updated and deleted`, async (t) => {
    const { store } = await open(t);
    t.is(store.getTopic('A'), undefined);
    t.deepEqual(store.listTopics(), []);
    await store.putTopic(topicConfig('A'));
    await store.putTopic(topicConfig('%RETRY%g1', { readQueueNums: 1, writeQueueNums: 1 }));
    t.deepEqual(store.getTopic('A'), topicConfig('A'));
    t.deepEqual(byName(store.listTopics(), (c) => c.topicName), ['%RETRY%g1', 'A']);
    await store.putTopic(topicConfig('A', { perm: 4, order: true, updatedAt: 2000 }));
    t.deepEqual(store.getTopic('A'), topicConfig('A', { perm: 4, order: true, updatedAt: 2000 }));
    t.is(store.listTopics().length, 2);
    t.true(await store.deleteTopic('A'));
    t.false(await store.deleteTopic('A'));
    t.is(store.getTopic('A'), undefined);
    t.deepEqual(byName(store.listTopics(), (c) => c.topicName), ['%RETRY%g1']);
  });

  test(`${name}: groups can be put, got, listed, updated and deleted`, async (t) => {
    const { store } = await open(t);
    t.is(store.getGroup('g'), undefined);
    await store.putGroup(groupConfig('g'));
    await store.putGroup(groupConfig('h|x', { consumeEnable: false }));
    t.deepEqual(store.getGroup('g'), groupConfig('g'));
    t.deepEqual(byName(store.listGroups(), (c) => c.groupName), ['g', 'h|x']);
    await store.putGroup(groupConfig('g', { retryMaxTimes: 3 }));
    t.is(store.getGroup('g')?.retryMaxTimes, 3);
    t.true(await store.deleteGroup('g'));
    t.false(await store.deleteGroup('g'));
    t.deepEqual(byName(store.listGroups(), (c) => c.groupName), ['h|x']);
  });

  test(`${name}: offsets are committed, queried, listed by group and topic, and deleted`, async (t) => {
    const { store } = await open(t);
    t.is(store.queryOffset('g', 'A', 0), undefined);
    store.commitOffset('g', 'A', 0, 10);
    store.commitOffset('g', 'A', 1, 0);
    store.commitOffset('g', 'B', 0, 7);
    store.commitOffset('h', 'A', 0, 3);
    t.is(store.queryOffset('g', 'A', 0), 10);
    t.is(store.queryOffset('g', 'A', 1), 0);
    t.is(store.queryOffset('g', 'A', 2), undefined);
    store.commitOffset('g', 'A', 0, 4); // moving back (a reset) is allowed
    t.is(store.queryOffset('g', 'A', 0), 4);
    const sortEntries = <E extends { group: string; topic: string; queueId: number }>(es: readonly E[]) =>
      [...es].sort((a, b) => `${a.group}/${a.topic}/${a.queueId}`.localeCompare(`${b.group}/${b.topic}/${b.queueId}`));
    t.deepEqual(sortEntries(store.offsetsOfGroup('g')), [
      { group: 'g', topic: 'A', queueId: 0, offset: 4 },
      { group: 'g', topic: 'A', queueId: 1, offset: 0 },
      { group: 'g', topic: 'B', queueId: 0, offset: 7 },
    ]);
    t.deepEqual(sortEntries(store.offsetsOfTopic('A')), [
      { group: 'g', topic: 'A', queueId: 0, offset: 4 },
      { group: 'g', topic: 'A', queueId: 1, offset: 0 },
      { group: 'h', topic: 'A', queueId: 0, offset: 3 },
    ]);
    store.deleteOffsets('g', 'A');
    t.deepEqual(store.offsetsOfGroup('g'), [{ group: 'g', topic: 'B', queueId: 0, offset: 7 }]);
    store.deleteOffsets('g');
    t.deepEqual(store.offsetsOfGroup('g'), []);
    t.is(store.queryOffset('h', 'A', 0), 3);
  });

  test(`${name}: a negative committed offset is ignored`, async (t) => {
    const { store } = await open(t);
    store.commitOffset('g', 'A', 0, 5);
    store.commitOffset('g', 'A', 0, -1);
    store.commitOffset('g', 'A', 1, -1);
    t.is(store.queryOffset('g', 'A', 0), 5);
    t.is(store.queryOffset('g', 'A', 1), undefined);
    t.deepEqual(store.offsetsOfGroup('g'), [{ group: 'g', topic: 'A', queueId: 0, offset: 5 }]);
  });

  test(`${name}: group and topic names that look alike never share offsets`, async (t) => {
    const { store } = await open(t);
    // With a naive "group@topic" or "group/topic" key these pairs would collide.
    store.commitOffset('a@b', 'c', 0, 1);
    store.commitOffset('a', 'b@c', 0, 2);
    store.commitOffset('a|b', 'c', 0, 3);
    store.commitOffset('a', 'b|c', 0, 4);
    store.commitOffset('__proto__', 'constructor', 0, 5);
    t.is(store.queryOffset('a@b', 'c', 0), 1);
    t.is(store.queryOffset('a', 'b@c', 0), 2);
    t.is(store.queryOffset('a|b', 'c', 0), 3);
    t.is(store.queryOffset('a', 'b|c', 0), 4);
    t.is(store.queryOffset('__proto__', 'constructor', 0), 5);
    t.is(store.queryOffset('a', 'b', 0), undefined);
    await store.flushOffsets();
  });

  if (!options.persistent) return;

  test(`${name}: topics and groups are durable as soon as put resolves`, async (t) => {
    const s = await open(t);
    await s.store.putTopic(topicConfig('A', { order: true }));
    await s.store.putGroup(groupConfig('g'));
    await s.store.putTopic(topicConfig('B'));
    t.true(await s.store.deleteTopic('B'));
    const store = await s.crashAndReopen();
    t.deepEqual(store.getTopic('A'), topicConfig('A', { order: true }));
    t.is(store.getTopic('B'), undefined);
    t.deepEqual(store.getGroup('g'), groupConfig('g'));
  });

  test(`${name}: concurrent puts all persist`, async (t) => {
    const s = await open(t);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.store.putTopic(topicConfig(`T${i}`, { createdAt: i }))));
    await Promise.all([s.store.deleteTopic('T3'), s.store.putGroup(groupConfig('g')), s.store.putTopic(topicConfig('T3', { perm: 2 }))]);
    const store = await s.crashAndReopen();
    t.is(store.listTopics().length, 50);
    t.is(store.getTopic('T49')?.createdAt, 49);
    t.is(store.getTopic('T3')?.perm, 2);
    t.truthy(store.getGroup('g'));
  });

  test(`${name}: offsets persist after flushOffsets and after a clean stop`, async (t) => {
    const s = await open(t);
    s.store.commitOffset('g', 'A', 0, 10);
    s.store.commitOffset('a@b', 'c', 3, 1);
    await s.store.flushOffsets();
    s.store.commitOffset('g', 'A', 1, 20);
    let store = await s.crashAndReopen();
    t.is(store.queryOffset('g', 'A', 0), 10);
    t.is(store.queryOffset('a@b', 'c', 3), 1);
    t.is(store.queryOffset('g', 'A', 1), undefined, 'not flushed before the crash');
    store.commitOffset('g', 'A', 1, 21);
    store.commitOffset('g', 'A', 0, -1);
    store.deleteOffsets('a@b');
    store = await s.reopen();
    t.is(store.queryOffset('g', 'A', 0), 10);
    t.is(store.queryOffset('g', 'A', 1), 21);
    t.deepEqual(store.offsetsOfGroup('a@b'), []);
  });
}
