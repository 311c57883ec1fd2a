export * from './schema.js';
export * from './layers.js';
export * from './resolve.js';
export { parseEnv, matchEnvPath, normaliseKey, ENV_PREFIX, type EnvEntry } from './env.js';
