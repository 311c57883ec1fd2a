import { definePlugin } from '../../kernel/plugin.js';
import { AUTH } from '../../kernel/tokens.js';
import { createAllowAllAuth } from './allow-all.js';
import { manifest } from './manifest.js';

export { createAllowAllAuth } from './allow-all.js';
export { authAllowAllConfigSchema } from './config.js';

/** Provides AUTH: every caller is accepted, every action allowed. */
export default definePlugin({
  manifest,
  register(ctx) {
    ctx.provide(AUTH, createAllowAllAuth());
    ctx.logger.warn('auth-allow-all: every caller may produce, consume and administer; load an ACL plugin to restrict access');
  },
});
