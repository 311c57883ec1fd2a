/**
 * Plugin config that puts every network door on 127.0.0.1 with a free port, so tests that boot the
 * default plugin set never bind 0.0.0.0 or clash on the well-known ports (9876, 10911, …).
 */
export const LOOPBACK_DOORS = {
  remoting: { host: '127.0.0.1', port: 0 },
  namesrv: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  mqtt: { host: '127.0.0.1', port: 0 },
  stomp: { host: '127.0.0.1', port: 0 },
} as const;

/** The same as `--set` flags for the CLI. */
export const LOOPBACK_FLAGS: readonly string[] = Object.entries(LOOPBACK_DOORS).flatMap(([plugin, slice]) =>
  Object.entries(slice).flatMap(([key, value]) => ['--set', `plugins.${plugin}.${key}=${String(value)}`]),
);
