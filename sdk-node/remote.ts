import { CometError, isCometError } from '../kernel/errors.js';
import type { RemotingCommand } from '../kernel/protocol/remoting/command.js';

/** Throw SDK_BROKER_ERROR unless the response code is one of `ok` (details.responseCode = the code). */
export function expectCode(resp: RemotingCommand, ok: readonly number[], what: string): RemotingCommand {
  if (ok.includes(resp.code)) return resp;
  throw brokerError(resp, what);
}

export function brokerError(resp: RemotingCommand, what: string): CometError {
  return new CometError('SDK_BROKER_ERROR', `${what}: code ${resp.code}${resp.remark === undefined ? '' : ` (${resp.remark})`}`, {
    details: { responseCode: resp.code },
  });
}

/** The broker response code carried by an SDK_BROKER_ERROR, if any. */
export function responseCodeOf(e: unknown): number | undefined {
  if (!isCometError(e, 'SDK_BROKER_ERROR')) return undefined;
  const c = e.details?.responseCode;
  return typeof c === 'number' ? c : undefined;
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A cancellable delay: resolves after `ms` or as soon as `signal` aborts. Never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
