import type { PluginManifest } from '../../kernel/plugin.js';
import { AUTH, MESSAGING, POP } from '../../kernel/tokens.js';
import { popConfigSchema } from './config.js';

export const manifest = {
  name: 'pop',
  version: '0.1.0',
  description: 'Pop-style consumption with receipt handles and invisible time (HTTP receive/ack, WebSocket clustering).',
  provides: [POP],
  requires: [MESSAGING, AUTH],
  config: popConfigSchema,
} satisfies PluginManifest<typeof popConfigSchema>;
