/**
 * The browser SDK's one error type. Server errors keep the broker's stable `code` (see the broker's
 * docs/errors.md) and the HTTP status it answered with; errors raised by the SDK itself use:
 * - `SDK_OPTION_INVALID` (status 400): a bad option or message (the message names it);
 * - `SDK_NOT_STARTED` (status 503): the client or subscription was closed;
 * - `SDK_NETWORK_ERROR` (status 503): fetch failed, timed out, or the broker answered something that
 *   is not CometMQ JSON; a WebSocket request was in flight when the connection dropped (its outcome
 *   is unknown: retry it, delivery is at-least-once);
 * - `SDK_CONNECTION_CLOSED` (status 503): the broker closed the WebSocket with a code that forbids
 *   reconnecting (1008 policy/auth, 4000 protocol error); `closeCode` tells which.
 */
export class CometError extends Error {
  readonly code: string;
  /** The HTTP status of the answer (or the status the code maps to for SDK and WebSocket errors). */
  readonly status: number;
  /** The WebSocket close code, for SDK_CONNECTION_CLOSED. */
  readonly closeCode: number | undefined;

  constructor(code: string, message: string, status: number, options: { cause?: unknown; closeCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CometError';
    this.code = code;
    this.status = status;
    this.closeCode = options.closeCode;
  }

  toJSON(): { code: string; message: string; status: number } {
    return { code: this.code, message: this.message, status: this.status };
  }
}

export function optionError(message: string): CometError {
  return new CometError('SDK_OPTION_INVALID', message, 400);
}

export function networkError(message: string, cause?: unknown): CometError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new CometError('SDK_NETWORK_ERROR', `${message}${detail}`, 503, { cause });
}

export function closedError(what: string): CometError {
  return new CometError('SDK_NOT_STARTED', `${what} is closed`, 503);
}

/** A `{"error":{"code","message"}}` body (HTTP answer or WebSocket `error` frame) as a CometError. */
export function fromWireError(value: unknown, status: number): CometError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { code, message } = value as { code?: unknown; message?: unknown };
  if (typeof code !== 'string') return undefined;
  return new CometError(code, typeof message === 'string' ? message : code, status);
}
