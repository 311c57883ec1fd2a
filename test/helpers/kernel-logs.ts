import type { Logger } from 'pino';
import { createLogger } from '../../kernel/logger.js';
import type { LogLevel } from '../../kernel/config/schema.js';

export interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface LogCapture {
  readonly logger: Logger;
  readonly entries: LogEntry[];
  /** Messages in order. */
  messages(): string[];
  /** Entries whose `code` field equals `code`. */
  withCode(code: string): LogEntry[];
}

/** A real kernel logger (same redaction) writing parsed entries into memory. */
export function captureLogger(level: LogLevel = 'debug'): LogCapture {
  const entries: LogEntry[] = [];
  const logger = createLogger({
    level,
    destination: {
      write(line: string): void {
        entries.push(JSON.parse(line) as LogEntry);
      },
    },
  });
  return {
    logger,
    entries,
    messages: () => entries.map((e) => e.msg),
    withCode: (code) => entries.filter((e) => e.code === code),
  };
}
