import { definePlugin } from '../../kernel/plugin.js';
import { AUTH, MESSAGE_INDEX, MESSAGE_STORE, MESSAGING, METADATA } from '../../kernel/tokens.js';
import { manifest } from './manifest.js';
import { createMessaging } from './messaging.js';

export { createMessaging } from './messaging.js';
export type { MessagingService } from './messaging.js';
export type { MessagingDeps } from './deps.js';
export { ANONYMOUS_IDENTITY } from './deps.js';
export { messagingConfig, messagingConfigSchema } from './config.js';
export type { MessagingConfig } from './config.js';
export { shardingQueue } from './queue-select.js';
export { GROUP_DEFAULTS } from './group-admin.js';
export { DEFAULT_PERM, MAX_QUEUE_NUMS } from './topic-admin.js';
export { SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC, ScheduleService, deliveryCopy } from './schedule.js';
export { DEFAULT_DELAY_LEVELS, parseDelayLevels } from './delay-levels.js';
export { AUTO_RETRY_BASE_LEVEL } from './send-back.js';

/** Provides MESSAGING. Stop resolves every long-poll waiter 'aborted' (doors stopped before us). */
export default definePlugin({
  manifest,
  register(ctx) {
    const index = ctx.resolveOptional(MESSAGE_INDEX);
    const messaging = createMessaging(
      {
        store: ctx.resolve(MESSAGE_STORE),
        metadata: ctx.resolve(METADATA),
        auth: ctx.resolve(AUTH),
        ...(index === undefined ? {} : { index }),
        clock: ctx.clock,
        storeHost: { address: ctx.kernel.advertisedHost, port: ctx.kernel.advertisedPort },
        logger: ctx.logger,
      },
      ctx.config,
    );
    ctx.provide(MESSAGING, messaging);
    return {
      // The store opens in its init; the schedule service reads it, so it starts here.
      start() {
        messaging.start();
      },
      async stop() {
        messaging.close();
        await messaging.schedule.idle();
        ctx.logger.debug('messaging stopped: long-poll waiters aborted, schedule service idle');
      },
    };
  },
});
