import type { PluginManifest } from '../../kernel/plugin.js';
import { FLUSH_POLICY } from '../../kernel/tokens.js';
import { asyncFlushConfigSchema } from './config.js';

export const manifest = {
  name: 'flush-async',
  version: '0.1.0',
  description: 'Appends acknowledged once written; fdatasync every flushIntervalMs and at shutdown.',
  provides: [FLUSH_POLICY],
  requires: [],
  config: asyncFlushConfigSchema,
} satisfies PluginManifest<typeof asyncFlushConfigSchema>;
