import type { PluginManifest } from '../../kernel/plugin.js';
import { METADATA } from '../../kernel/tokens.js';
import { metadataFileConfig } from './config.js';

export const manifest = {
  name: 'metadata-file',
  version: '0.1.0',
  description: 'Topics, subscription groups and consumer offsets in atomically written JSON files.',
  provides: [METADATA],
  requires: [],
  config: metadataFileConfig,
} satisfies PluginManifest<typeof metadataFileConfig>;
