import type { PluginManifest } from '../../kernel/plugin.js';
import { MESSAGE_STORE, MESSAGING, POP } from '../../kernel/tokens.js';
import { httpConfigSchema } from './config.js';
import { HTTP_DOOR } from './tokens.js';

export const manifest = {
  name: 'http',
  version: '0.1.0',
  description: 'The HTTP door: REST API (produce, pop-style receive/ack, replay, admin, OpenAPI) with the WebSocket and SSE extensions on one port.',
  provides: [HTTP_DOOR],
  requires: [MESSAGING, POP],
  // The store only for /readyz (open or not).
  optional: [MESSAGE_STORE],
  config: httpConfigSchema,
} satisfies PluginManifest<typeof httpConfigSchema>;
