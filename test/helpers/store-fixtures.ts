import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import type { IndexEntry, IndexHits, MessageIndex, TimeIndexHit } from '../../kernel/messaging/index-contract.js';
import type { AppendOk, AppendResult } from '../../kernel/messaging/store.js';
import { createAsyncFlushPolicy } from '../../plugins/flush-async/policy.js';
import { createSyncFlushPolicy } from '../../plugins/flush-sync/policy.js';
import { type CommitLogStoreOptions, openCommitLogStore, type CommitLogStore } from '../../plugins/store-commitlog/store.js';

/** A temp dir removed in teardown. */
export async function storeTempDir(t: ExecutionContext): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cometmq-store-'));
  t.teardown(() => fs.promises.rm(dir, { recursive: true, force: true }));
  return dir;
}

export type TestStoreOptions = Partial<CommitLogStoreOptions> & { readonly flush?: 'sync' | 'async' };

/** Open a store with small segments; closed (cleanly, if still open) in teardown. */
export async function openTestStore(t: ExecutionContext, dir: string, opts: TestStoreOptions = {}): Promise<CommitLogStore> {
  const store = await openCommitLogStore({
    dir,
    flushPolicy: opts.flushPolicy ?? (opts.flush === 'async' ? createAsyncFlushPolicy({ flushIntervalMs: 50 }) : createSyncFlushPolicy()),
    ...opts,
    config: { segmentBytes: 64 * 1024, consumeQueueEntriesPerFile: 1000, checkpointIntervalMs: 3_600_000, ...opts.config },
  });
  t.teardown(() => store.close());
  return store;
}

export function ok(t: ExecutionContext, r: AppendResult): AppendOk {
  if (r.status !== 'ok') t.fail(`append rejected: ${r.error.code} ${r.error.message}`);
  return r as AppendOk;
}

export const body = (s: string): Uint8Array => Buffer.from(s, 'utf8');

/** Poll a condition until it holds or the deadline passes (no fixed sleeps as synchronisation). */
export async function storeWaitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** In-memory MessageIndex for store tests (the real one is plugins/index-rocksdb). */
export class FakeIndex implements MessageIndex {
  readonly entries = new Map<number, IndexEntry>();
  upTo = 0;
  addCalls = 0;
  deletedBefore: number | undefined;
  async add(entries: readonly IndexEntry[]): Promise<void> {
    this.addCalls++;
    for (const e of entries) {
      this.entries.set(e.physicalOffset, e);
      this.upTo = Math.max(this.upTo, e.physicalOffset + e.size);
    }
  }
  async indexedUpTo(): Promise<number> {
    return this.upTo;
  }
  async byKey(topic: string, key: string): Promise<IndexHits> {
    const hits = [...this.entries.values()].filter((e) => e.topic === topic && e.keys.includes(key));
    return { physicalOffsets: hits.map((e) => e.physicalOffset).sort((a, b) => a - b) };
  }
  async byUniqKey(_topic: string | undefined, uniqKey: string): Promise<IndexHits> {
    const hits = [...this.entries.values()].filter((e) => e.uniqKey === uniqKey);
    return { physicalOffsets: hits.map((e) => e.physicalOffset) };
  }
  async floorByTime(topic: string, queueId: number, timestamp: number): Promise<TimeIndexHit | undefined> {
    let best: TimeIndexHit | undefined;
    for (const e of this.entries.values()) {
      if (e.topic !== topic || e.queueId !== queueId || e.storeTimestamp > timestamp) continue;
      if (!best || e.queueOffset > best.queueOffset) best = { queueOffset: e.queueOffset, storeTimestamp: e.storeTimestamp };
    }
    return best;
  }
  async deleteBefore(timestamp: number): Promise<void> {
    this.deletedBefore = timestamp;
    for (const [k, e] of this.entries) if (e.storeTimestamp < timestamp) this.entries.delete(k);
  }
  async clear(): Promise<void> {
    this.entries.clear();
    this.upTo = 0;
  }
}
