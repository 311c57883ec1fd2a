import type { PluginManifest } from '../../kernel/plugin.js';
import { FLUSH_POLICY } from '../../kernel/tokens.js';
import { syncFlushConfigSchema } from './config.js';

export const manifest = {
  name: 'flush-sync',
  version: '0.1.0',
  description: 'Group commit: an append is acknowledged only after an fdatasync covering it.',
  provides: [FLUSH_POLICY],
  requires: [],
  config: syncFlushConfigSchema,
} satisfies PluginManifest<typeof syncFlushConfigSchema>;
