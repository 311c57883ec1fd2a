import type { PluginManifest } from '../../kernel/plugin.js';
import { AUTH } from '../../kernel/tokens.js';
import { authAllowAllConfigSchema } from './config.js';

export const manifest = {
  name: 'auth-allow-all',
  version: '0.1.0',
  description: 'Accepts every caller and allows every action (the default until an ACL plugin is loaded).',
  provides: [AUTH],
  requires: [],
  config: authAllowAllConfigSchema,
} satisfies PluginManifest<typeof authAllowAllConfigSchema>;
