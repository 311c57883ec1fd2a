import { definePlugin } from '../../kernel/plugin.js';
import { FLUSH_POLICY } from '../../kernel/tokens.js';
import { manifest } from './manifest.js';
import { createAsyncFlushPolicy } from './policy.js';

export { createAsyncFlushPolicy, type AsyncFlushOptions } from './policy.js';

export default definePlugin({
  manifest,
  register(ctx) {
    ctx.provide(
      FLUSH_POLICY,
      createAsyncFlushPolicy({ flushIntervalMs: ctx.config.flushIntervalMs, clock: ctx.clock, logger: ctx.logger }),
    );
  },
});
