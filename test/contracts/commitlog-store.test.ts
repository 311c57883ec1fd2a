import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MessageStore } from '../../kernel/messaging/store.js';
import { createAsyncFlushPolicy } from '../../plugins/flush-async/policy.js';
import { createSyncFlushPolicy } from '../../plugins/flush-sync/policy.js';
import { openCommitLogStore, type CommitLogStore } from '../../plugins/store-commitlog/store.js';
import { openRocksIndex } from '../../plugins/index-rocksdb/index.js';
import { messageStoreContract } from './message-store.contract.js';

// The real commit-log store runs the same case suite as every MessageStore, in both flush modes,
// with small segments so the log rolls, and with the RocksDB index attached.
for (const mode of ['sync', 'async'] as const) {
  messageStoreContract(`commit-log store (${mode} flush)`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cometmq-contract-'));
    const index = await openRocksIndex({ dir: path.join(dir, 'index') });
    const open = (): Promise<CommitLogStore> =>
      openCommitLogStore({
        dir: path.join(dir, 'store'),
        flushPolicy: mode === 'sync' ? createSyncFlushPolicy() : createAsyncFlushPolicy({ flushIntervalMs: 20 }),
        index,
        config: { segmentBytes: 128 * 1024, consumeQueueEntriesPerFile: 100 },
      });
    let current = await open();
    t.teardown(async () => {
      await current.close();
      await index.close();
      await rm(dir, { recursive: true, force: true });
    });
    return {
      store: current,
      async reopen(): Promise<MessageStore> {
        await current.close();
        current = await open();
        return current;
      },
      close: () => current.close(),
    };
  });
}
