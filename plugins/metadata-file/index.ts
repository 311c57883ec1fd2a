import path from 'node:path';
import { definePlugin } from '../../kernel/plugin.js';
import { METADATA } from '../../kernel/tokens.js';
import type { MetadataStore } from '../../kernel/messaging/metadata.js';
import { manifest } from './manifest.js';
import { openFileMetadata, type FileMetadataStore } from './file-metadata.js';

export { openFileMetadata } from './file-metadata.js';
export type { FileMetadataOptions, FileMetadataStore } from './file-metadata.js';
export { manifest } from './manifest.js';

/**
 * METADATA is registered as a thin proxy at register() time; the files are read in init() and the
 * stop hook persists the offsets and waits for pending writes.
 */
export default definePlugin({
  manifest,
  register(ctx) {
    const dir = path.join(ctx.kernel.dataDir, ctx.config.subfolder);
    let opened: FileMetadataStore | undefined;
    const store = (): FileMetadataStore => {
      if (opened === undefined) throw new Error('assertion failed: metadata-file used before init');
      return opened;
    };
    const proxy: MetadataStore = {
      getTopic: (name) => store().getTopic(name),
      listTopics: () => store().listTopics(),
      putTopic: (config) => store().putTopic(config),
      deleteTopic: (name) => store().deleteTopic(name),
      getGroup: (name) => store().getGroup(name),
      listGroups: () => store().listGroups(),
      putGroup: (config) => store().putGroup(config),
      deleteGroup: (name) => store().deleteGroup(name),
      commitOffset: (group, topic, queueId, offset) => store().commitOffset(group, topic, queueId, offset),
      queryOffset: (group, topic, queueId) => store().queryOffset(group, topic, queueId),
      offsetsOfGroup: (group) => store().offsetsOfGroup(group),
      offsetsOfTopic: (topic) => store().offsetsOfTopic(topic),
      deleteOffsets: (group, topic) => store().deleteOffsets(group, topic),
      flushOffsets: () => store().flushOffsets(),
    };
    ctx.provide(METADATA, proxy);
    return {
      async init() {
        opened = await openFileMetadata({
          dir,
          persistIntervalMs: ctx.config.persistIntervalMs,
          logger: ctx.logger,
          clock: ctx.clock,
        });
        ctx.logger.info({ dir, topics: opened.listTopics().length, groups: opened.listGroups().length }, 'metadata loaded');
      },
      async stop() {
        await opened?.close();
      },
    };
  },
});
