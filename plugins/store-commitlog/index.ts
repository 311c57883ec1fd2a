import path from 'node:path';
import { definePlugin } from '../../kernel/plugin.js';
import { FLUSH_POLICY, MESSAGE_INDEX, MESSAGE_STORE, REPLICATION } from '../../kernel/tokens.js';
import { manifest } from './manifest.js';
import { CommitLogStore } from './store.js';

export { CommitLogStore, openCommitLogStore, type CommitLogStoreOptions } from './store.js';
export type { RetentionReport } from './retention.js';
export { storeConfigSchema, type StoreConfig } from './config.js';
export { createFaultyFileIO, realFileIO, type FileIO, type FaultyFileIO, type Fault, type IoEvent } from './file-io.js';

/** Provides MESSAGE_STORE; opens (and recovers) in init, closes cleanly in stop. */
export default definePlugin({
  manifest,
  register(ctx) {
    const store = new CommitLogStore({
      dir: path.join(ctx.kernel.dataDir, ctx.config.subfolder),
      config: ctx.config,
      flushPolicy: ctx.resolve(FLUSH_POLICY),
      index: ctx.resolveOptional(MESSAGE_INDEX),
      replication: ctx.resolveOptional(REPLICATION),
      clock: ctx.clock,
      logger: ctx.logger,
      storeHost: { address: ctx.kernel.advertisedHost, port: ctx.kernel.advertisedPort },
    });
    ctx.provide(MESSAGE_STORE, store);
    return {
      init: () => store.open(),
      stop: () => store.close(),
    };
  },
});
