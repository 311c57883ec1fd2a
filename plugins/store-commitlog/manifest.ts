import type { PluginManifest } from '../../kernel/plugin.js';
import { FLUSH_POLICY, MESSAGE_INDEX, MESSAGE_STORE, REPLICATION } from '../../kernel/tokens.js';
import { storeConfigSchema } from './config.js';

export const manifest = {
  name: 'store-commitlog',
  version: '0.1.0',
  description: 'Commit-log message store: segment files, consume queues, recovery, retention.',
  provides: [MESSAGE_STORE],
  requires: [FLUSH_POLICY],
  optional: [MESSAGE_INDEX, REPLICATION],
  config: storeConfigSchema,
} satisfies PluginManifest<typeof storeConfigSchema>;
