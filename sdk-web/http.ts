import { CometError, fromWireError, networkError } from './errors.js';
import type { ProduceResult, WireProduceMessage } from './types.js';
import { parseProduceResults } from './wire.js';

/** `POST /v1/topics/{topic}/messages` over fetch, with a timeout. */
export interface HttpProduceRequest {
  readonly baseUrl: string;
  readonly topic: string;
  readonly messages: readonly WireProduceMessage[];
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly fetch: typeof fetch;
}

async function readJson(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    throw networkError(`HTTP ${response.status}: reading the answer failed`, e);
  }
  try {
    return JSON.parse(text);
  } catch {
    const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new CometError('SDK_NETWORK_ERROR', `HTTP ${response.status}: the answer is not JSON: ${snippet}`, response.status);
  }
}

function errorAnswer(body: unknown, status: number): CometError {
  const error = typeof body === 'object' && body !== null ? fromWireError((body as { error?: unknown }).error, status) : undefined;
  return error ?? new CometError('SDK_NETWORK_ERROR', `HTTP ${status} without a CometMQ error body`, status);
}

export async function httpProduce(request: HttpProduceRequest): Promise<ProduceResult[]> {
  const url = `${request.baseUrl}/v1/topics/${encodeURIComponent(request.topic)}/messages`;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
  const onAbort = (): void => timeout.abort();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let response: Response;
    try {
      response = await request.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ messages: request.messages }),
        signal: timeout.signal,
      });
    } catch (e) {
      if (request.signal?.aborted === true) throw networkError('produce aborted', request.signal.reason);
      throw networkError(timeout.signal.aborted ? `produce timed out after ${request.timeoutMs} ms` : `produce to ${url} failed`, e);
    }
    const body = await readJson(response);
    // A 4xx/5xx with per-message results (part of a batch stored) is still an answer per message.
    const results = typeof body === 'object' && body !== null ? (body as { results?: unknown }).results : undefined;
    if (results !== undefined) return parseProduceResults(results, request.messages.length, response.status);
    throw errorAnswer(body, response.ok ? 502 : response.status);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}
