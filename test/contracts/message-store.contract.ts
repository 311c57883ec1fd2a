import test from 'ava';
import type { ExecutionContext } from 'ava';
import { crc32 } from 'node:zlib';
import type { AppendInput, StoredMessage } from '../../kernel/messaging/message.js';
import { decodeMsgId } from '../../kernel/messaging/msgid.js';
import type { AppendOk, AppendResult, MessageStore, ReadResult } from '../../kernel/messaging/store.js';
import { parseTagExpression, tagHashCode } from '../../kernel/messaging/tags.js';
import { onceFrom } from '../helpers/wait.js';

/** What a store factory hands the suite. `close` closes the store currently open (after a reopen, the new one). */
export interface OpenedStore {
  readonly store: MessageStore;
  /** Close and reopen over the same data; omit when the store keeps nothing across instances. */
  reopen?(): Promise<MessageStore>;
  close(): Promise<void>;
}

export type OpenStore = (t: ExecutionContext) => Promise<OpenedStore>;

const enc = new TextEncoder();
const dec = new TextDecoder();
const body = (s: string): Uint8Array => enc.encode(s);
const text = (m: StoredMessage): string => dec.decode(m.body);
const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

function ok(t: ExecutionContext, r: AppendResult | undefined): AppendOk {
  if (r?.status !== 'ok') t.fail(`append rejected: ${r?.status === 'rejected' ? `${r.error.code} ${r.error.message}` : 'no result'}`);
  return r as AppendOk;
}

function found(t: ExecutionContext, r: ReadResult): readonly StoredMessage[] {
  if (r.status !== 'found') t.fail(`expected found, got ${r.status}`);
  return r.status === 'found' ? r.messages : [];
}

async function readAll(store: MessageStore, topic: string, queueId: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let offset = store.minOffset(topic, queueId);
  for (;;) {
    const r = await store.read({ topic, queueId, offset, max: 32 });
    if (r.status !== 'found' && r.status !== 'filtered') return out;
    if (r.status === 'found') out.push(...r.messages);
    offset = r.nextOffset;
  }
}

/**
 * The MessageStore case suite: every implementation runs it (test/contracts/*.test.ts).
 * Each test opens its own store through `open` and closes it in teardown.
 */
export function messageStoreContract(name: string, open: OpenStore): void {
  const setup = async (t: ExecutionContext): Promise<OpenedStore> => {
    const opened = await open(t);
    t.teardown(() => opened.close());
    return opened;
  };

  test(`${name}: append/read round trip keeps every field`, async (t) => {
    const { store } = await setup(t);
    const input: AppendInput = {
      topic: 'RoundTrip',
      queueId: 2,
      body: body('hello world'),
      tags: 'TagA',
      keys: ['k1', 'k2'],
      properties: { color: 'blue', UNIQ_KEY: 'C0A8000100002A9F0000000000000001' },
      flag: 7,
      sysFlag: 0,
      bornTimestamp: 1_700_000_000_123,
      bornHost: { address: '10.1.2.3', port: 45678 },
      reconsumeTimes: 3,
    };
    const r = ok(t, await store.append(input));
    t.is(r.topic, 'RoundTrip');
    t.is(r.queueId, 2);
    t.is(r.queueOffset, 0);
    const [m] = found(t, await store.read({ topic: 'RoundTrip', queueId: 2, offset: 0, max: 10 }));
    t.truthy(m);
    if (m === undefined) return;
    t.is(text(m), 'hello world');
    t.is(m.tags, 'TagA');
    t.deepEqual([...m.keys], ['k1', 'k2']);
    t.is(m.properties.color, 'blue');
    t.is(m.properties.UNIQ_KEY, 'C0A8000100002A9F0000000000000001');
    t.is(m.properties.TAGS, 'TagA');
    t.is(m.properties.KEYS, 'k1 k2');
    t.is(m.flag, 7);
    t.is(m.bornTimestamp, 1_700_000_000_123);
    t.deepEqual({ ...m.bornHost }, { address: '10.1.2.3', port: 45678 });
    t.is(m.reconsumeTimes, 3);
    t.is(m.queueId, 2);
    t.is(m.queueOffset, 0);
    t.is(m.physicalOffset, r.physicalOffset);
    t.is(m.storeTimestamp, r.storeTimestamp);
    t.is(m.msgId, r.msgId);
    t.is(m.size, r.size);
    t.is(m.raw.length, m.size);
    t.is(m.bodyCrc, crc32(Buffer.from(m.body)) & 0x7fffffff);
  });

  test(`${name}: queue offsets are dense and FIFO per queue with interleaved queues`, async (t) => {
    const { store } = await setup(t);
    const plan = [0, 1, 0, 2, 1, 0, 0, 2, 1, 0];
    const results = await Promise.all(plan.map((q, i) => store.append({ topic: 'Fifo', queueId: q, body: body(`m${i}`) })));
    const seen = new Map<number, number>();
    results.forEach((r, i) => {
      const q = plan[i]!;
      t.is(ok(t, r).queueOffset, seen.get(q) ?? 0, `message ${i} on queue ${q}`);
      seen.set(q, (seen.get(q) ?? 0) + 1);
    });
    for (const q of [0, 1, 2]) {
      const messages = await readAll(store, 'Fifo', q);
      const expected = plan.flatMap((pq, i) => (pq === q ? [`m${i}`] : []));
      t.deepEqual(messages.map(text), expected);
      t.deepEqual(messages.map((m) => m.queueOffset), expected.map((_, i) => i));
      t.is(store.maxOffset('Fifo', q), expected.length);
      t.is(store.minOffset('Fifo', q), 0);
    }
    const bounds = store.queues().filter((b) => b.topic === 'Fifo');
    t.deepEqual(bounds.map((b) => [b.queueId, b.maxOffset]).sort((a, b) => a[0]! - b[0]!), [[0, 5], [1, 3], [2, 2]]);
  });

  test(`${name}: appendBatch gives each message its own result`, async (t) => {
    const { store } = await setup(t);
    const results = await store.appendBatch([
      { topic: 'Batch', queueId: 0, body: body('a') },
      { topic: '../evil', queueId: 0, body: body('b') },
      { topic: 'Batch', queueId: 0, body: new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES + 1) },
      { topic: 'Batch', queueId: 1, body: body('c') },
      { topic: 'Batch', queueId: 0, body: body('d') },
    ]);
    t.is(results.length, 5);
    t.deepEqual(results.map((r) => r.status), ['ok', 'rejected', 'rejected', 'ok', 'ok']);
    t.is(results[1]?.status === 'rejected' ? results[1].error.code : undefined, 'TOPIC_NAME_INVALID');
    t.is(results[2]?.status === 'rejected' ? results[2].error.code : undefined, 'MESSAGE_TOO_LARGE');
    t.is(ok(t, results[0]).queueOffset, 0);
    t.is(ok(t, results[4]).queueOffset, 1);
    t.is(ok(t, results[3]).queueOffset, 0);
    t.deepEqual((await readAll(store, 'Batch', 0)).map(text), ['a', 'd']);
    t.deepEqual((await readAll(store, 'Batch', 1)).map(text), ['c']);
  });

  test(`${name}: appendBatch allOrNothing stores none when one message is invalid, all when every one is valid`, async (t) => {
    const { store } = await setup(t);
    const results = await store.appendBatch(
      [
        { topic: 'AllOrNothing', queueId: 0, body: body('a') },
        { topic: 'AllOrNothing', queueId: 0, body: new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES + 1) },
        { topic: 'AllOrNothing', queueId: 0, body: body('c') },
      ],
      { allOrNothing: true },
    );
    t.deepEqual(results.map((r) => (r.status === 'rejected' ? r.error.code : r.status)), ['BATCH_REJECTED', 'MESSAGE_TOO_LARGE', 'BATCH_REJECTED']);
    t.regex(results[0]?.status === 'rejected' ? results[0].error.message : '', /message 1/);
    t.is(store.maxOffset('AllOrNothing', 0), 0);
    const stored = await store.appendBatch(['x', 'y', 'z'].map((s) => ({ topic: 'AllOrNothing', queueId: 0, body: body(s) })), { allOrNothing: true });
    t.deepEqual(stored.map((r) => ok(t, r).queueOffset), [0, 1, 2]);
    t.deepEqual((await readAll(store, 'AllOrNothing', 0)).map(text), ['x', 'y', 'z']);
  });

  test(`${name}: read statuses found, empty, offsetMoved and noQueue`, async (t) => {
    const { store } = await setup(t);
    for (let i = 0; i < 3; i++) ok(t, await store.append({ topic: 'Status', queueId: 0, body: body(`s${i}`) }));
    const first = await store.read({ topic: 'Status', queueId: 0, offset: 1, max: 10 });
    t.deepEqual(found(t, first).map(text), ['s1', 's2']);
    t.like(first, { nextOffset: 3, minOffset: 0, maxOffset: 3 });
    t.like(await store.read({ topic: 'Status', queueId: 0, offset: 3, max: 10 }), { status: 'empty', nextOffset: 3, maxOffset: 3 });
    t.like(await store.read({ topic: 'Status', queueId: 0, offset: 99, max: 10 }), { status: 'offsetMoved', nextOffset: 3 });
    t.like(await store.read({ topic: 'Unknown', queueId: 0, offset: 0, max: 10 }), { status: 'noQueue', nextOffset: 0 });
    t.like(await store.read({ topic: 'Status', queueId: 5, offset: 0, max: 10 }), { status: 'noQueue' });
  });

  test(`${name}: read honours max and maxBytes (and always returns at least one message)`, async (t) => {
    const { store } = await setup(t);
    const results: AppendOk[] = [];
    for (let i = 0; i < 10; i++) results.push(ok(t, await store.append({ topic: 'Limits', queueId: 0, body: new Uint8Array(100).fill(i) })));
    const size = results[0]!.size;
    const byMax = await store.read({ topic: 'Limits', queueId: 0, offset: 0, max: 3 });
    t.is(found(t, byMax).length, 3);
    t.is(byMax.nextOffset, 3);
    const byBytes = await store.read({ topic: 'Limits', queueId: 0, offset: 3, max: 10, maxBytes: Math.floor(size * 2.5) });
    t.deepEqual(found(t, byBytes).map((m) => m.queueOffset), [3, 4]);
    t.is(byBytes.nextOffset, 5);
    const tiny = await store.read({ topic: 'Limits', queueId: 0, offset: 5, max: 10, maxBytes: 1 });
    t.deepEqual(found(t, tiny).map((m) => m.queueOffset), [5]);
    t.is(tiny.nextOffset, 6);
  });

  test(`${name}: tag filter checks the tag code, then the exact tag`, async (t) => {
    const { store } = await setup(t);
    t.is(tagHashCode('Aa'), tagHashCode('BB'), 'Aa and BB collide in Java String.hashCode');
    const tags = ['Aa', 'BB', 'C', 'Aa', undefined];
    for (const tag of tags) ok(t, await store.append({ topic: 'Tags', queueId: 0, body: body(tag ?? 'none'), ...(tag === undefined ? {} : { tags: tag }) }));
    const r = await store.read({ topic: 'Tags', queueId: 0, offset: 0, max: 10, filter: parseTagExpression('Aa') });
    t.deepEqual(found(t, r).map((m) => m.queueOffset), [0, 3]);
    t.is(r.nextOffset, 5);
    const two = await store.read({ topic: 'Tags', queueId: 0, offset: 0, max: 10, filter: parseTagExpression('C || BB') });
    t.deepEqual(found(t, two).map(text), ['BB', 'C']);
    const all = await store.read({ topic: 'Tags', queueId: 0, offset: 0, max: 10, filter: parseTagExpression('*') });
    t.is(found(t, all).length, 5);
  });

  test(`${name}: a read whose messages are all filtered out says filtered and moves on`, async (t) => {
    const { store } = await setup(t);
    for (const tag of ['BB', 'C', 'D']) ok(t, await store.append({ topic: 'Filtered', queueId: 0, body: body(tag), tags: tag }));
    const r = await store.read({ topic: 'Filtered', queueId: 0, offset: 0, max: 10, filter: parseTagExpression('Aa') });
    t.like(r, { status: 'filtered', nextOffset: 3, maxOffset: 3 });
  });

  test(`${name}: arrival listeners fire with the new max offset and stop after unsubscribe`, async (t) => {
    const { store } = await setup(t);
    const calls: Array<[string, number, number]> = [];
    const off = store.onArrival((topic, queueId, maxOffset) => {
      if (topic === 'Arrive') calls.push([topic, queueId, maxOffset]);
    });
    const next = onceFrom(store.onArrival.bind(store), { filter: (topic) => topic === 'Arrive' });
    ok(t, await store.append({ topic: 'Arrive', queueId: 1, body: body('x') }));
    t.deepEqual(await next, ['Arrive', 1, 1]);
    ok(t, await store.append({ topic: 'Arrive', queueId: 1, body: body('y') }));
    t.deepEqual(calls, [
      ['Arrive', 1, 1],
      ['Arrive', 1, 2],
    ]);
    off();
    ok(t, await store.append({ topic: 'Arrive', queueId: 1, body: body('z') }));
    t.is(calls.length, 2);
  });

  test(`${name}: lookup by physical offset agrees with msgId and queue offset`, async (t) => {
    const { store } = await setup(t);
    const results: AppendOk[] = [];
    for (let i = 0; i < 5; i++) results.push(ok(t, await store.append({ topic: 'Lookup', queueId: i % 2, body: body(`l${i}`) })));
    for (const [i, r] of results.entries()) {
      t.is(decodeMsgId(r.msgId).physicalOffset, r.physicalOffset);
      const m = await store.lookup(r.physicalOffset);
      t.is(m?.msgId, r.msgId);
      t.is(m && text(m), `l${i}`);
      t.is(m?.queueOffset, r.queueOffset);
      const q = await store.lookupByQueueOffset('Lookup', r.queueId, r.queueOffset);
      t.is(q?.physicalOffset, r.physicalOffset);
      t.is(await store.storeTimeAt('Lookup', r.queueId, r.queueOffset), r.storeTimestamp);
    }
    const end = results[4]!.physicalOffset + results[4]!.size;
    t.is(await store.lookup(end + 1_000_000), undefined);
    t.is(await store.lookupByQueueOffset('Lookup', 0, 99), undefined);
    t.is(await store.offsetByTime('Lookup', 0, 0), 0);
    t.is(await store.offsetByTime('Lookup', 0, results[4]!.storeTimestamp + 3_600_000), store.maxOffset('Lookup', 0));
  });

  test(`${name}: oversize and invalid-topic appends are rejected with nothing written`, async (t) => {
    const { store } = await setup(t);
    ok(t, await store.append({ topic: 'Bad', queueId: 0, body: body('first') }));
    const written = store.stats().writtenOffset;
    const big = await store.append({ topic: 'Bad', queueId: 0, body: new Uint8Array(DEFAULT_MAX_MESSAGE_BYTES + 1) });
    t.is(big.status === 'rejected' ? big.error.code : big.status, 'MESSAGE_TOO_LARGE');
    for (const topic of ['../x', '', 'a'.repeat(200), 'a\u0000b', 'a/b', 'ünïcode']) {
      const r = await store.append({ topic, queueId: 0, body: body('x') });
      t.is(r.status === 'rejected' ? r.error.code : r.status, 'TOPIC_NAME_INVALID', JSON.stringify(topic));
    }
    t.is(store.stats().writtenOffset, written);
    t.is(store.maxOffset('Bad', 0), 1);
    t.is(ok(t, await store.append({ topic: 'Bad', queueId: 0, body: body('second') })).queueOffset, 1);
    t.deepEqual((await readAll(store, 'Bad', 0)).map(text), ['first', 'second']);
  });

  test(`${name}: reopen keeps every message and offsets continue`, async (t) => {
    const opened = await setup(t);
    if (opened.reopen === undefined) {
      t.pass('store keeps nothing across instances');
      return;
    }
    const before: AppendOk[] = [];
    for (let i = 0; i < 6; i++) before.push(ok(t, await opened.store.append({ topic: 'Reopen', queueId: i % 3, body: body(`r${i}`), keys: [`key${i}`] })));
    const store = await opened.reopen();
    for (const q of [0, 1, 2]) {
      const messages = await readAll(store, 'Reopen', q);
      t.deepEqual(messages.map(text), [`r${q}`, `r${q + 3}`]);
      t.deepEqual(messages.map((m) => m.msgId), [before[q]!.msgId, before[q + 3]!.msgId]);
      t.deepEqual(messages.map((m) => [...m.keys]), [[`key${q}`], [`key${q + 3}`]]);
    }
    const after = ok(t, await store.append({ topic: 'Reopen', queueId: 0, body: body('r6') }));
    t.is(after.queueOffset, 2);
    t.true(after.physicalOffset > before[5]!.physicalOffset);
  });
}
