import path from 'node:path';
import { definePlugin } from '../../kernel/plugin.js';
import { MESSAGE_INDEX } from '../../kernel/tokens.js';
import type { MessageIndex } from '../../kernel/messaging/index-contract.js';
import { manifest } from './manifest.js';
import { openRocksIndex, type RocksMessageIndex } from './rocks-index.js';

export { openRocksIndex } from './rocks-index.js';
export type { RocksIndexOptions, RocksMessageIndex } from './rocks-index.js';
export { manifest } from './manifest.js';

/**
 * MESSAGE_INDEX is registered as a thin proxy at register() time; the database opens in init()
 * (after the data directory is known to be usable) and closes in stop().
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const dir = path.join(ctx.kernel.dataDir, ctx.config.subfolder);
    let opened: RocksMessageIndex | undefined;
    const index = (): RocksMessageIndex => {
      if (opened === undefined) throw new Error('assertion failed: index-rocksdb used before init');
      return opened;
    };
    const proxy: MessageIndex = {
      add: (entries) => index().add(entries),
      indexedUpTo: () => index().indexedUpTo(),
      byKey: (topic, key, page) => index().byKey(topic, key, page),
      byUniqKey: (topic, uniqKey, page) => index().byUniqKey(topic, uniqKey, page),
      floorByTime: (topic, queueId, timestamp) => index().floorByTime(topic, queueId, timestamp),
      deleteBefore: (timestamp) => index().deleteBefore(timestamp),
      clear: () => index().clear(),
    };
    ctx.provide(MESSAGE_INDEX, proxy);
    return {
      async init() {
        opened = await openRocksIndex({
          dir,
          timeIndexIntervalMs: ctx.config.timeIndexIntervalMs,
          maxCachedQueues: ctx.config.timePointCacheQueues,
        });
        ctx.logger.info({ dir, indexedUpTo: await opened.indexedUpTo() }, 'message index open');
      },
      async stop() {
        await opened?.close();
      },
    };
  },
});
