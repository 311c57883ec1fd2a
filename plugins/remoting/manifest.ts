import type { PluginManifest } from '../../kernel/plugin.js';
import { MESSAGING } from '../../kernel/tokens.js';
import { remotingConfigSchema } from './config.js';
import { NATIVE_DOOR } from './tokens.js';

export const manifest = {
  name: 'remoting',
  version: '0.1.0',
  description: 'The native door: RocketMQ 4.x remoting protocol (send, pull with long polling, heartbeat, offsets, retry, locks, admin).',
  provides: [NATIVE_DOOR],
  requires: [MESSAGING],
  config: remotingConfigSchema,
} satisfies PluginManifest<typeof remotingConfigSchema>;
