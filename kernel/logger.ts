import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/schema.js';

/** Keys whose values never reach a log line, at the top level and two levels down. */
export const REDACTED_KEYS = ['password', 'secret', 'token', 'accessKeySecret', 'secretKey', 'authorization'] as const;

export const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Human-readable lines instead of JSON (default: JSON). */
  readonly pretty?: boolean;
  /** Where lines go. Default: stderr, synchronously (stdout is for the CLI's own output). */
  readonly destination?: DestinationStream;
}

/** The kernel's root logger (pino). Plugins get `logger.child({plugin: name})`. */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.destination ?? pino.destination({ dest: 2, sync: true });
  const stream = options.pretty ? prettyStream(sink) : sink;
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
      formatters: { log: (fields) => redactFields(fields, 0) as Record<string, unknown> },
    },
    stream,
  );
}

/** Credential-like key names: `password`, `adminPassword`, `apiToken`, `accessKeySecret`, … */
export const SECRET_KEY = /(password|secret|token|secretkey|authorization)$/i;

/** Copy-on-write redaction of credential-like keys in plain objects (errors and class instances pass through). */
export function redactFields(value: unknown, depth: number): unknown {
  if (depth > 4) return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => redactFields(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const next = SECRET_KEY.test(k) && v !== undefined ? '[Redacted]' : redactFields(v, depth + 1);
    if (next !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = next;
  }
  return out ?? value;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'plugin']);

/** A tiny JSON → text formatter (no extra dependency): `12:00:01.123 INFO  [store] opened {"segments":3}`. */
function prettyStream(sink: DestinationStream): DestinationStream {
  return {
    write(line: string): void {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        sink.write(line);
        return;
      }
      const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 23);
      const level = (LEVEL_NAMES[Number(entry.level)] ?? String(entry.level)).padEnd(5);
      const plugin = typeof entry.plugin === 'string' ? ` [${entry.plugin}]` : '';
      const rest = Object.fromEntries(Object.entries(entry).filter(([k]) => !HIDDEN.has(k)));
      const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
      sink.write(`${time} ${level}${plugin} ${String(entry.msg ?? '')}${extra}\n`);
    },
  };
}
