import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The plugins `cometmq start` loads when config names none. */
export const DEFAULT_LOAD: readonly string[] = Object.freeze([
  'metadata-file',
  'store-commitlog',
  'flush-async',
  'index-rocksdb',
  'auth-allow-all',
  'messaging',
  'pop',
  'remoting',
  'http',
  'mqtt',
  'stomp',
  'namesrv',
  'broker-registration',
]);

export const logConfigSchema = z
  .object({
    level: z.enum(LOG_LEVELS).default('info'),
    /** Human-readable lines instead of JSON. Unset: pretty when stderr is a terminal. */
    pretty: z.boolean().optional(),
  })
  .strict();

export const loadSchema = z.array(z.string().min(1)).default([...DEFAULT_LOAD]);

/**
 * The kernel's own keys. `plugins` holds one slice per loaded plugin; each slice is validated by
 * that plugin's schema (see composeSchema), so here it is only a record.
 */
export const kernelConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./data'),
    brokerName: z.string().min(1).default('broker-a'),
    clusterName: z.string().min(1).default('DefaultCluster'),
    advertisedHost: z.ipv4().default('127.0.0.1'),
    /** Unset: the native door's configured port (plugins.remoting.port) when it is fixed, else 10911. */
    advertisedPort: z.number().int().min(1).max(65535).optional(),
    shutdownTimeoutMs: z.number().int().positive().default(10000),
    log: logConfigSchema.prefault({}),
    load: loadSchema,
    plugins: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** The effective configuration: kernel keys plus each loaded plugin's parsed slice. */
export type KernelConfig = Omit<z.output<typeof kernelConfigSchema>, 'plugins'> & {
  readonly plugins: Readonly<Record<string, unknown>>;
};

/** Kernel keys with every plugin slice replaced by that plugin's own schema (strict: unknown slices fail). */
export function composeSchema(slices: ReadonlyMap<string, z.ZodType>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, schema] of slices) shape[name] = schema;
  return kernelConfigSchema.extend({ plugins: z.object(shape).strict().prefault({}) });
}
