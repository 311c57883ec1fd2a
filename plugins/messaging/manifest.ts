import type { PluginManifest } from '../../kernel/plugin.js';
import { AUTH, MESSAGE_INDEX, MESSAGE_STORE, MESSAGING, METADATA } from '../../kernel/tokens.js';
import { messagingConfigSchema } from './config.js';

export const manifest = {
  name: 'messaging',
  version: '0.1.0',
  description: 'The in-process messaging API (produce, read, long-poll, offsets, topic and group admin) every door calls.',
  provides: [MESSAGING],
  requires: [MESSAGE_STORE, METADATA, AUTH],
  optional: [MESSAGE_INDEX],
  config: messagingConfigSchema,
} satisfies PluginManifest<typeof messagingConfigSchema>;
