import type { PluginManifest } from '../../kernel/plugin.js';
import { MESSAGING, POP } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../http/tokens.js';
import { stompConfigSchema } from './config.js';
import { STOMP_DOOR } from './tokens.js';

export const manifest = {
  name: 'stomp',
  version: '0.1.0',
  description: 'The STOMP 1.0/1.1/1.2 door: /queue (one group) and /topic (every subscription) destinations, acks, transactions, receipts, heart-beats.',
  provides: [STOMP_DOOR],
  requires: [MESSAGING, POP],
  // STOMP over WebSocket on the HTTP door's port (plugins.stomp.websocketPath), when that door is loaded.
  optional: [HTTP_DOOR],
  config: stompConfigSchema,
} satisfies PluginManifest<typeof stompConfigSchema>;
