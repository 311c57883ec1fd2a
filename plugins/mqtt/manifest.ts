import type { PluginManifest } from '../../kernel/plugin.js';
import { MESSAGING, POP } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../http/tokens.js';
import { mqttConfigSchema } from './config.js';
import { MQTT_DOOR } from './tokens.js';

export const manifest = {
  name: 'mqtt',
  version: '0.1.0',
  description: 'The MQTT 3.1.1 / 5.0 door: sessions, QoS 0/1/2, retained messages, wills, wildcards and shared subscriptions onto CometMQ topics.',
  provides: [MQTT_DOOR],
  requires: [MESSAGING, POP],
  // MQTT over WebSocket on the HTTP door's port (plugins.mqtt.websocketPath), when that door is loaded.
  optional: [HTTP_DOOR],
  config: mqttConfigSchema,
} satisfies PluginManifest<typeof mqttConfigSchema>;
