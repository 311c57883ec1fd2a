import { definePlugin } from '../../kernel/plugin.js';
import { FLUSH_POLICY } from '../../kernel/tokens.js';
import { manifest } from './manifest.js';
import { createSyncFlushPolicy } from './policy.js';

export { createSyncFlushPolicy, type SyncFlushOptions } from './policy.js';

export default definePlugin({
  manifest,
  register(ctx) {
    ctx.provide(FLUSH_POLICY, createSyncFlushPolicy({ flushTimeoutMs: ctx.config.flushTimeoutMs, clock: ctx.clock }));
  },
});
