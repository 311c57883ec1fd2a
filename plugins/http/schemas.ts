import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../../kernel/errors.js';

/** Shared documentation schemas and small parameter schemas. */
export const errorObjectSchema = z.object({
  code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
});
export const errorSchema = z.object({ error: errorObjectSchema });

export const topicParam = z.string().min(1).describe('Topic name: [%|a-zA-Z0-9_-], at most 127 characters.');
export const groupParam = z.string().min(1).describe('Consumer group name: [%|a-zA-Z0-9_-], at most 255 characters.');

/** An integer query parameter (query values are text). */
export function intQuery(min: number, max: number = Number.MAX_SAFE_INTEGER): z.ZodCoercedNumber<unknown> {
  return z.coerce.number<unknown>().int().min(min).max(max);
}

/** The error responses every route may give. */
export function errorResponses(...statuses: number[]): { status: number; description: string; schema: typeof errorSchema }[] {
  const text: Record<number, string> = {
    400: 'Invalid input (HTTP_BODY_INVALID names the field) or an invalid name',
    403: 'Forbidden (admin write from a non-loopback address, or not permitted)',
    404: 'Not found',
    409: 'Conflict (e.g. RECEIPT_HANDLE_EXPIRED)',
    413: 'Body too large (HTTP_BODY_TOO_LARGE), answered before the body is read when Content-Length says so',
    429: 'Too many unacknowledged messages (POP_INFLIGHT_LIMIT)',
    503: 'Starting or shutting down (SERVICE_UNAVAILABLE), or the store refuses writes',
  };
  return statuses.map((status) => ({ status, description: text[status] ?? 'Error', schema: errorSchema }));
}
