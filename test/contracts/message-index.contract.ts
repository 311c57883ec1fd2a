import test, { type ExecutionContext } from 'ava';
import type { IndexEntry, IndexPage, MessageIndex } from '../../kernel/messaging/index-contract.js';

/**
 * The shared case-test suite of the MessageIndex contract (kernel/messaging/index-contract.ts).
 * Each implementation's test file calls `messageIndexContract(name, factory)` once; every case opens
 * a fresh index through the factory and closes it in teardown.
 */
export interface IndexHarness {
  readonly index: MessageIndex;
  /** Close this instance and open the same index again (its data kept). */
  reopen(): Promise<IndexHarness>;
  close(): Promise<void>;
}

export type IndexFactory = (t: ExecutionContext) => Promise<IndexHarness>;

/** An hour-aligned base time, so bucketed implementations see predictable hours. */
export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
const HOUR = 3_600_000;
const SIZE = 100;

export interface EntrySpec {
  readonly phys: number;
  readonly ts: number;
  readonly topic?: string;
  readonly queueId?: number;
  readonly queueOffset?: number;
  readonly keys?: readonly string[];
  readonly uniqKey?: string;
}

export function entry(spec: EntrySpec): IndexEntry {
  return {
    physicalOffset: spec.phys,
    size: SIZE,
    topic: spec.topic ?? 'TopicA',
    queueId: spec.queueId ?? 0,
    queueOffset: spec.queueOffset ?? spec.phys / SIZE,
    storeTimestamp: spec.ts,
    keys: spec.keys ?? [],
    uniqKey: spec.uniqKey,
  };
}

/** `n` records of one queue, `stepMs` apart from `ts0`, at phys 0, 100, 200, ... */
export function series(n: number, ts0: number, stepMs: number, extra: Partial<EntrySpec> = {}): IndexEntry[] {
  return Array.from({ length: n }, (_, i) => entry({ ...extra, phys: i * SIZE, queueOffset: i, ts: ts0 + i * stepMs }));
}

/** Every page of a lookup, following cursors until none is returned. */
export async function allPages(
  lookup: (page: IndexPage) => Promise<{ physicalOffsets: readonly number[]; nextCursor?: string }>,
  page: IndexPage,
): Promise<{ pages: number[][]; all: number[] }> {
  const pages: number[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const hits = await lookup(cursor === undefined ? page : { ...page, cursor });
    pages.push([...hits.physicalOffsets]);
    if (hits.nextCursor === undefined) return { pages, all: pages.flat() };
    cursor = hits.nextCursor;
  }
  throw new Error('paging did not end');
}

export function messageIndexContract(name: string, factory: IndexFactory): void {
  /** Open through the factory; teardown closes whichever instance is current at the end. */
  const open = async (t: ExecutionContext): Promise<{ h: IndexHarness; reopen(): Promise<IndexHarness> }> => {
    const state = { h: await factory(t) };
    t.teardown(() => state.h.close());
    return {
      get h() {
        return state.h;
      },
      async reopen() {
        state.h = await state.h.reopen();
        return state.h;
      },
    };
  };
  const page = (limit: number, extra: Partial<IndexPage> = {}): IndexPage => ({ limit, ...extra });

  test(`${name}: byKey returns every record with the key, oldest first, and nothing else`, async (t) => {
    const { h } = await open(t);
    await h.index.add([
      entry({ phys: 0, ts: T0, keys: ['order-1'] }),
      entry({ phys: 100, ts: T0 + 1, keys: ['order-10', 'order-1'] }),
      entry({ phys: 200, ts: T0 + 2, keys: ['order'] }),
      entry({ phys: 300, ts: T0 + 3, topic: 'TopicB', keys: ['order-1'] }),
      entry({ phys: 400, ts: T0 + HOUR + 5, keys: ['order-1'] }),
    ]);
    t.deepEqual((await h.index.byKey('TopicA', 'order-1', page(10))).physicalOffsets, [0, 100, 400]);
    t.deepEqual((await h.index.byKey('TopicA', 'order-10', page(10))).physicalOffsets, [100]);
    t.deepEqual((await h.index.byKey('TopicA', 'order', page(10))).physicalOffsets, [200]);
    t.deepEqual((await h.index.byKey('TopicB', 'order-1', page(10))).physicalOffsets, [300]);
    const none = await h.index.byKey('TopicA', 'missing', page(10));
    t.deepEqual(none.physicalOffsets, []);
    t.is(none.nextCursor, undefined);
  });

  test(`${name}: byKey pages through more hits than the limit across hours with cursors`, async (t) => {
    const { h } = await open(t);
    // 50 records with key k, 20 minutes apart (so they span ~17 hours), interleaved with other keys.
    const entries: IndexEntry[] = [];
    for (let i = 0; i < 100; i++) {
      entries.push(entry({ phys: i * SIZE, ts: T0 + i * 10 * 60_000, keys: i % 2 === 0 ? ['k'] : ['other'] }));
    }
    await h.index.add(entries);
    const expected = entries.filter((_, i) => i % 2 === 0).map((e) => e.physicalOffset);
    const { pages, all } = await allPages((p) => h.index.byKey('TopicA', 'k', p), page(7));
    t.deepEqual(all, expected);
    t.deepEqual(pages.map((p) => p.length), [7, 7, 7, 7, 7, 7, 7, 1]);
    const exact = await allPages((p) => h.index.byKey('TopicA', 'k', p), page(25));
    t.deepEqual(exact.pages.map((p) => p.length), [25, 25], 'no empty trailing page when the hits end on a page boundary');
  });

  test(`${name}: byKey honours beginTimestamp and endTimestamp (inclusive), also while paging`, async (t) => {
    const { h } = await open(t);
    const entries = series(40, T0, 15 * 60_000, { keys: ['k'] }); // 10 hours
    await h.index.add(entries);
    const begin = T0 + 3 * 15 * 60_000;
    const end = T0 + 30 * 15 * 60_000;
    const expected = entries.filter((e) => e.storeTimestamp >= begin && e.storeTimestamp <= end).map((e) => e.physicalOffset);
    const { all } = await allPages((p) => h.index.byKey('TopicA', 'k', p), page(4, { beginTimestamp: begin, endTimestamp: end }));
    t.deepEqual(all, expected);
    t.is(all.length, 28);
    t.deepEqual((await h.index.byKey('TopicA', 'k', page(100, { beginTimestamp: T0 + 100 * HOUR }))).physicalOffsets, []);
    t.deepEqual((await h.index.byKey('TopicA', 'k', page(100, { endTimestamp: T0 - 1 }))).physicalOffsets, []);
  });

  test(`${name}: byUniqKey finds a record with or without its topic`, async (t) => {
    const { h } = await open(t);
    await h.index.add([
      entry({ phys: 0, ts: T0, uniqKey: 'U1' }),
      entry({ phys: 100, ts: T0 + 1, uniqKey: 'U2', topic: 'TopicB' }),
      entry({ phys: 200, ts: T0 + 2 * HOUR, uniqKey: 'U1', topic: '%RETRY%group' }),
      entry({ phys: 300, ts: T0 + 3, uniqKey: 'U10' }),
    ]);
    t.deepEqual((await h.index.byUniqKey('TopicA', 'U1', page(10))).physicalOffsets, [0]);
    t.deepEqual((await h.index.byUniqKey(undefined, 'U1', page(10))).physicalOffsets, [0, 200]);
    t.deepEqual((await h.index.byUniqKey(undefined, 'U2', page(10))).physicalOffsets, [100]);
    t.deepEqual((await h.index.byUniqKey('TopicA', 'U2', page(10))).physicalOffsets, []);
    const first = await h.index.byUniqKey(undefined, 'U1', page(1));
    t.deepEqual(first.physicalOffsets, [0]);
    t.truthy(first.nextCursor);
    const second = await h.index.byUniqKey(undefined, 'U1', { limit: 1, cursor: first.nextCursor });
    t.deepEqual(second.physicalOffsets, [200]);
    t.is(second.nextCursor, undefined);
  });

  test(`${name}: floorByTime answers a point at or before the time, undefined before the first record`, async (t) => {
    const { h } = await open(t);
    const entries = series(200, T0, 100); // 20 seconds of one queue, a record every 100 ms
    await h.index.add(entries);
    await h.index.add([entry({ phys: 20_000, ts: T0 + 50, queueId: 3, queueOffset: 0 })]);
    t.is(await h.index.floorByTime('TopicA', 0, T0 - 1), undefined);
    t.is(await h.index.floorByTime('TopicA', 7, T0 + 10_000), undefined);
    t.is(await h.index.floorByTime('TopicB', 0, T0 + 10_000), undefined);
    t.deepEqual(await h.index.floorByTime('TopicA', 0, T0), { queueOffset: 0, storeTimestamp: T0 });
    t.deepEqual(await h.index.floorByTime('TopicA', 3, T0 + 60_000), { queueOffset: 0, storeTimestamp: T0 + 50 });
    let previous = -1;
    for (let ts = T0; ts < T0 + 25_000; ts += 333) {
      const hit = await h.index.floorByTime('TopicA', 0, ts);
      if (hit === undefined) return t.fail(`no floor for ${ts}`);
      t.true(hit.storeTimestamp <= ts);
      t.deepEqual(hit, { queueOffset: hit.queueOffset, storeTimestamp: entries[hit.queueOffset].storeTimestamp });
      t.true(hit.queueOffset >= previous, 'floors never move backwards as the time grows');
      previous = hit.queueOffset;
    }
    t.true(previous > 150, 'late times find a late point');
  });

  test(`${name}: add is idempotent`, async (t) => {
    const { h } = await open(t);
    const entries = series(30, T0, 400, { keys: ['k'] }).map((e, i) => ({ ...e, uniqKey: `U${i}` }));
    await h.index.add(entries);
    const upTo = await h.index.indexedUpTo();
    const floor = await h.index.floorByTime('TopicA', 0, T0 + 7_000);
    await h.index.add(entries);
    await h.index.add(entries.slice(10, 20));
    t.deepEqual((await h.index.byKey('TopicA', 'k', page(100))).physicalOffsets, entries.map((e) => e.physicalOffset));
    t.deepEqual((await h.index.byUniqKey(undefined, 'U5', page(100))).physicalOffsets, [500]);
    t.is(await h.index.indexedUpTo(), upTo);
    t.deepEqual(await h.index.floorByTime('TopicA', 0, T0 + 7_000), floor);
  });

  test(`${name}: indexedUpTo starts at 0, covers each added batch and survives reopen with its entries`, async (t) => {
    const s = await open(t);
    t.is(await s.h.index.indexedUpTo(), 0);
    await s.h.index.add([]);
    t.is(await s.h.index.indexedUpTo(), 0);
    await s.h.index.add(series(5, T0, 10, { keys: ['k'] }));
    t.is(await s.h.index.indexedUpTo(), 500);
    await s.h.index.add([entry({ phys: 500, ts: T0 + 100, keys: ['k'] })]);
    t.is(await s.h.index.indexedUpTo(), 600);
    const h2 = await s.reopen();
    t.is(await h2.index.indexedUpTo(), 600);
    t.deepEqual((await h2.index.byKey('TopicA', 'k', page(100))).physicalOffsets, [0, 100, 200, 300, 400, 500]);
  });

  test(`${name}: deleteBefore drops old hits, keeps newer ones and a floor point per queue`, async (t) => {
    const { h } = await open(t);
    await h.index.add([
      entry({ phys: 0, ts: T0, keys: ['k'], uniqKey: 'U0' }),
      entry({ phys: 100, ts: T0 + 1000, keys: ['k'], uniqKey: 'U1' }),
      entry({ phys: 200, ts: T0 + 1500, queueId: 1, queueOffset: 0, keys: ['k'] }),
      entry({ phys: 300, ts: T0 + 10 * HOUR, keys: ['k'], uniqKey: 'U2', queueOffset: 2 }),
    ]);
    await h.index.deleteBefore(T0 + 5 * HOUR);
    t.deepEqual((await h.index.byKey('TopicA', 'k', page(10))).physicalOffsets, [300]);
    t.deepEqual((await h.index.byUniqKey(undefined, 'U0', page(10))).physicalOffsets, []);
    t.deepEqual((await h.index.byUniqKey(undefined, 'U2', page(10))).physicalOffsets, [300]);
    t.deepEqual(await h.index.floorByTime('TopicA', 0, T0 + 11 * HOUR), { queueOffset: 2, storeTimestamp: T0 + 10 * HOUR });
    // Queue 1 has only old points: its newest one stays so later times still find a floor.
    t.deepEqual(await h.index.floorByTime('TopicA', 1, T0 + 6 * HOUR), { queueOffset: 0, storeTimestamp: T0 + 1500 });
    // The remaining data keeps working for new adds.
    await h.index.add([entry({ phys: 400, ts: T0 + 10 * HOUR + 1, keys: ['k'] })]);
    t.deepEqual((await h.index.byKey('TopicA', 'k', page(10))).physicalOffsets, [300, 400]);
  });

  test(`${name}: clear forgets everything and the index can be rebuilt`, async (t) => {
    const { h } = await open(t);
    const entries = series(10, T0, 1500, { keys: ['k'], uniqKey: 'U' });
    await h.index.add(entries);
    await h.index.clear();
    t.is(await h.index.indexedUpTo(), 0);
    t.deepEqual((await h.index.byKey('TopicA', 'k', page(10))).physicalOffsets, []);
    t.deepEqual((await h.index.byUniqKey(undefined, 'U', page(10))).physicalOffsets, []);
    t.is(await h.index.floorByTime('TopicA', 0, T0 + HOUR), undefined);
    await h.index.add(entries);
    t.is(await h.index.indexedUpTo(), 1000);
    t.is((await h.index.byKey('TopicA', 'k', page(100))).physicalOffsets.length, 10);
    t.deepEqual(await h.index.floorByTime('TopicA', 0, T0), { queueOffset: 0, storeTimestamp: T0 });
  });

  test(`${name}: reopen keeps keys, uniq keys and time points`, async (t) => {
    const s = await open(t);
    const entries = series(20, T0, 30 * 60_000, { keys: ['k'] }).map((e, i) => ({ ...e, uniqKey: `U${i}` }));
    await s.h.index.add(entries);
    const floor = await s.h.index.floorByTime('TopicA', 0, T0 + 5 * HOUR);
    const h2 = await s.reopen();
    const { all } = await allPages((p) => h2.index.byKey('TopicA', 'k', p), page(6));
    t.deepEqual(all, entries.map((e) => e.physicalOffset));
    t.deepEqual((await h2.index.byUniqKey('TopicA', 'U7', page(10))).physicalOffsets, [700]);
    t.deepEqual(await h2.index.floorByTime('TopicA', 0, T0 + 5 * HOUR), floor);
    // Adding after reopen continues the same queue without disturbing earlier points.
    await h2.index.add([entry({ phys: 2000, ts: T0 + 20 * HOUR, queueOffset: 20, keys: ['k'] })]);
    t.deepEqual(await h2.index.floorByTime('TopicA', 0, T0 + 21 * HOUR), { queueOffset: 20, storeTimestamp: T0 + 20 * HOUR });
    t.deepEqual(await h2.index.floorByTime('TopicA', 0, T0 + 5 * HOUR), floor);
  });
}
