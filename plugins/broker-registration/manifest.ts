import type { PluginManifest } from '../../kernel/plugin.js';
import { MESSAGING } from '../../kernel/tokens.js';
import { NAMESRV } from '../namesrv/tokens.js';
import { NATIVE_DOOR } from '../remoting/tokens.js';
import { brokerRegistrationConfigSchema } from './config.js';

export const manifest = {
  name: 'broker-registration',
  version: '0.1.0',
  description: 'Registers this broker and its topic table with every name server (every 30 s and on topic changes); unregisters on stop.',
  provides: [],
  requires: [MESSAGING],
  optional: [NAMESRV, NATIVE_DOOR],
  config: brokerRegistrationConfigSchema,
} satisfies PluginManifest<typeof brokerRegistrationConfigSchema>;
