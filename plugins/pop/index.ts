import path from 'node:path';
import { definePlugin } from '../../kernel/plugin.js';
import type { TimerHandle } from '../../kernel/services.js';
import { AUTH, MESSAGING, POP } from '../../kernel/tokens.js';
import { manifest } from './manifest.js';
import { PopFiles } from './persist.js';
import { PopRegistry } from './registry.js';
import { PopSaver } from './saver.js';
import { PopServiceImpl } from './service.js';

export { popConfig, popConfigSchema } from './config.js';
export type { PopConfig } from './config.js';
export { PopServiceImpl } from './service.js';
export { MAX_INVISIBLE_MS, MAX_RECEIVE, MAX_WAIT_MS } from './validate.js';

/**
 * Provides POP. State lives in memory and in `<dataDir>/pop/<group>.json` (loaded at init, written
 * every persistIntervalMs when changed, and at stop).
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const messaging = ctx.resolve(MESSAGING);
    const registry = new PopRegistry(messaging, ctx.logger);
    const files = new PopFiles(path.join(ctx.kernel.dataDir, 'pop'), ctx.logger);
    const saver = new PopSaver(files, registry, ctx.logger);
    const service = new PopServiceImpl({ messaging, auth: ctx.resolve(AUTH), registry, clock: ctx.clock, logger: ctx.logger }, ctx.config);
    ctx.provide(POP, service);
    let timer: TimerHandle | undefined;
    return {
      async init() {
        const loaded = await files.loadAll();
        registry.restore(loaded);
        ctx.logger.debug({ groups: loaded.length, dir: files.dir }, 'pop state loaded');
      },
      start() {
        timer = ctx.clock.setInterval(() => void saver.flush(), ctx.config.persistIntervalMs).unref();
      },
      async stop() {
        timer?.cancel();
        service.close();
        await saver.flushAll();
        ctx.logger.debug('pop stopped: long polls answered, state written');
      },
    };
  },
});
