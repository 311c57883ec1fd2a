import { pino, type Logger } from 'pino';
import { createRemotingClient } from '../kernel/protocol/remoting/client.js';
import type { RemotingClient, RemotingClientOptions } from '../kernel/protocol/remoting/transport.js';
import type { SdkLogger } from './types.js';

/** The SDK's transport: kernel/protocol/remoting/client.ts (one socket per broker/name server). */
export function createSdkRemotingClient(options: RemotingClientOptions, logger?: SdkLogger): RemotingClient {
  return createRemotingClient(options, logger === undefined ? undefined : pinoFor(logger));
}

const LEVELS: Readonly<Record<number, keyof SdkLogger>> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'error' };

/**
 * The transport logs through pino; route its entries to the user's logger. A pino logger is used
 * as is; any other SdkLogger gets each entry as (fields, msg) at the matching level.
 */
export function pinoFor(logger: SdkLogger): Logger {
  if (isPino(logger)) return logger;
  return pino(
    { level: 'debug', base: null, timestamp: false },
    {
      write(line: string): void {
        const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
        logger[LEVELS[level] ?? 'info'](fields, msg);
      },
    },
  );
}

function isPino(logger: SdkLogger): logger is SdkLogger & Logger {
  const l = logger as Partial<Logger>;
  return typeof l.child === 'function' && typeof l.level === 'string' && typeof l.bindings === 'function';
}
