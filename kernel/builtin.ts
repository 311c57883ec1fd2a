/**
 * Built-in plugins, by the name used in config `load`. Each lives in plugins/<name>/index.ts and
 * default-exports a Plugin. Imported lazily so only the configured plugins are loaded.
 */
export const BUILTIN_PLUGINS = [
  'metadata-file',
  'store-commitlog',
  'flush-sync',
  'flush-async',
  'index-rocksdb',
  'auth-allow-all',
  'messaging',
  'remoting',
  'namesrv',
  'broker-registration',
  'pop',
  'http',
  'mqtt',
  'stomp',
] as const;

export type BuiltinPluginName = (typeof BUILTIN_PLUGINS)[number];

export function isBuiltinPlugin(name: string): name is BuiltinPluginName {
  return (BUILTIN_PLUGINS as readonly string[]).includes(name);
}

/** Import a built-in plugin's module (resolved next to this file: works from sources and from dist/). */
export function importBuiltin(name: BuiltinPluginName): Promise<unknown> {
  return import(`../plugins/${name}/index.js`);
}
