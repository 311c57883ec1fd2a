import type { z } from 'zod';
import { CometError, ERRORS, type ErrorCode } from '../../kernel/errors.js';

/** The one error body of the HTTP API: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

export function errorBody(error: CometError): ErrorBody {
  return { error: { code: error.code, message: error.message } };
}

/** A JSON error response with the status from ERRORS[code]. */
export function errorResponse(error: CometError, headers?: Readonly<Record<string, string>>): Response {
  return new Response(JSON.stringify(errorBody(error)), {
    status: ERRORS[error.code].httpStatus,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The same error as raw bytes (for answers written straight to a node response or socket). */
export function errorJson(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** `where` is `body`, `query` or `path`: zod issues become one HTTP_BODY_INVALID naming every field. */
export function validationError(where: string, issues: readonly z.core.$ZodIssue[]): CometError {
  const parts = issues.slice(0, 10).map((issue) => {
    const field = issue.path.length === 0 ? where : `${where}.${issue.path.map(String).join('.')}`;
    return `${field}: ${issue.message}`;
  });
  const more = issues.length > 10 ? ` (and ${issues.length - 10} more)` : '';
  return new CometError('HTTP_BODY_INVALID', `invalid ${where}: ${parts.join('; ')}${more}`, {
    details: { issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}

/** Status and body of a per-item batch: 200 when every item succeeded, 207 when some did, else the first error's status. */
export function batchStatus(errors: readonly (CometError | undefined)[]): { status: number; error?: CometError } {
  const failed = errors.filter((e): e is CometError => e !== undefined);
  if (failed.length === 0) return { status: 200 };
  if (failed.length < errors.length) return { status: 207 };
  const first = failed[0]!;
  return { status: first.httpStatus, error: first };
}
