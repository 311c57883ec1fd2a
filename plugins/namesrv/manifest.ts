import type { PluginManifest } from '../../kernel/plugin.js';
import { namesrvConfigSchema } from './config.js';
import { NAMESRV } from './tokens.js';

export const manifest = {
  name: 'namesrv',
  version: '0.1.0',
  description: 'RocketMQ-compatible name server: broker registration, routes by topic, cluster info (also `cometmq namesrv`).',
  provides: [NAMESRV],
  requires: [],
  config: namesrvConfigSchema,
} satisfies PluginManifest<typeof namesrvConfigSchema>;
