import type { PluginManifest } from '../../kernel/plugin.js';
import { MESSAGE_INDEX } from '../../kernel/tokens.js';
import { indexRocksdbConfig } from './config.js';

export const manifest = {
  name: 'index-rocksdb',
  version: '0.1.0',
  description: 'Message index in RocksDB: lookups by key and uniq key, queue offset by store time.',
  provides: [MESSAGE_INDEX],
  requires: [],
  config: indexRocksdbConfig,
} satisfies PluginManifest<typeof indexRocksdbConfig>;
