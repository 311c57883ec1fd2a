import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { CometError } from '../../kernel/errors.js';
import type { StoredMessage } from '../../kernel/messaging/message.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import { parseTagExpression } from '../../kernel/messaging/tags.js';
import type { HttpExtension, HttpExtensionDeps, HttpExtensionFactory } from './extension.js';
import { messageFields } from './ws/frames.js';
import { TopicCursor, type CursorStart } from '../../kernel/messaging/topic-cursor.js';

/** Messages read per pull of the stream. */
const SSE_BATCH = 64;
/** Longest accepted position token (a 1024-queue topic with large offsets fits). */
const MAX_TOKEN_CHARS = 32_768;
/** Most queues a token may name (a topic has at most 1024). */
const MAX_TOKEN_QUEUES = 1024;

const encoder = new TextEncoder();

/**
 * Server-Sent Events (docs/websocket.md §6): `GET /v1/topics/{topic}/events?tags=&from=`, a
 * read-only stream of the topic's messages. Each event's id is a position token (every queue's next
 * offset, base64url JSON array) so `Last-Event-ID` resumes without loss or duplicates.
 */
export const createSseExtension: HttpExtensionFactory = (deps: HttpExtensionDeps): HttpExtension => {
  const streams = new Set<SseStream>();
  let accepting = true;
  return {
    name: 'sse',
    openapiPaths: {
      '/v1/topics/{topic}/events': {
        get: {
          operationId: 'topicEvents',
          summary: 'Server-Sent Events: every new message of a topic, resumable with Last-Event-ID (docs/websocket.md, SSE)',
          tags: ['consume'],
          parameters: [
            { name: 'topic', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'tags', in: 'query', required: false, schema: { type: 'string' }, description: 'Tag expression (`*`, `A || B`).' },
            { name: 'from', in: 'query', required: false, schema: { type: 'string' }, description: 'A position token (an event id), `earliest` or `latest` (default).' },
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' }, description: 'Resume after this event (wins over `from`).' },
          ],
          responses: {
            '200': { description: 'An event stream: `id:` position token, `event: message`, `data:` the message as JSON.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            default: { description: 'Any error: {"error":{"code","message"}}', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          },
        },
      },
    },
    routes(app: Hono) {
      app.get('/v1/topics/:topic/events', (c) => {
        if (!accepting) throw new CometError('SERVICE_UNAVAILABLE', 'the broker is shutting down');
        const stream = openStream(deps, c, (s) => streams.delete(s));
        streams.add(stream);
        return stream.response();
      });
    },
    stopAccepting() {
      accepting = false;
    },
    async drain() {
      accepting = false;
      for (const s of [...streams]) s.end();
    },
  };
};

function openStream(deps: HttpExtensionDeps, c: Context, onEnd: (s: SseStream) => void): SseStream {
  const topic = validateTopicName(c.req.param('topic'));
  const { messaging } = deps;
  if (messaging.topics.get(topic) === undefined && !messaging.topics.autoCreate()) {
    throw new CometError('TOPIC_NOT_FOUND', `topic ${topic} does not exist`);
  }
  const filter = parseTagExpression(c.req.query('tags'));
  const start = parsePosition(c.req.header('last-event-id') ?? c.req.query('from'));
  const cursor = new TopicCursor(deps, topic, filter, start);
  return new SseStream(cursor, deps, c.req.raw.signal, onEnd);
}

/** `Last-Event-ID` / `from`: a position token, `earliest`, `latest`, or nothing (= latest). */
export function parsePosition(value: string | undefined): CursorStart {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'latest') return 'latest';
  if (text === 'earliest') return 'earliest';
  return { offsets: decodePositionToken(text), unlisted: 'beginning' };
}

/** Every queue's next offset (index = queue id) as base64url JSON. */
export function encodePositionToken(positions: readonly number[]): string {
  return Buffer.from(JSON.stringify(positions), 'utf8').toString('base64url');
}

export function decodePositionToken(token: string): Map<number, number> {
  const invalid = (): CometError => new CometError('HTTP_BODY_INVALID', 'Last-Event-ID / from: not a position token of this stream (nor earliest/latest)');
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length > MAX_TOKEN_QUEUES) throw invalid();
  const offsets = new Map<number, number>();
  value.forEach((offset: unknown, queueId) => {
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalid();
    offsets.set(queueId, offset);
  });
  return offsets;
}

/** One open stream: pulls batches from its cursor while the client reads; heartbeats when idle. */
class SseStream {
  readonly #cursor: TopicCursor;
  readonly #heartbeatMs: number;
  readonly #clock: HttpExtensionDeps['clock'];
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  readonly #onEnd: (s: SseStream) => void;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #ended = false;

  constructor(cursor: TopicCursor, deps: HttpExtensionDeps, requestSignal: AbortSignal, onEnd: (s: SseStream) => void) {
    this.#cursor = cursor;
    this.#heartbeatMs = deps.config.sse.heartbeatMs;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#onEnd = onEnd;
    if (requestSignal.aborted) this.end();
    else requestSignal.addEventListener('abort', () => this.end(), { once: true });
  }

  response(): Response {
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          controller.enqueue(encoder.encode(': connected\n\n'));
          if (this.#ended) this.#closeController();
        },
        pull: () => this.#pull(),
        cancel: () => this.end(),
      },
      { highWaterMark: 1 },
    );
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    });
  }

  /** Stop polling and close the stream (client gone, drain). Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort();
    this.#closeController();
    this.#onEnd(this);
  }

  #closeController(): void {
    try {
      this.#controller?.close();
    } catch {
      // Already closed or errored by the reader side.
    }
  }

  /** Enqueue the next events, or a heartbeat after heartbeatMs without any. */
  async #pull(): Promise<void> {
    const deadline = this.#clock.monotonic() + this.#heartbeatMs;
    try {
      while (!this.#ended) {
        const left = deadline - this.#clock.monotonic();
        const before = this.#cursor.positions();
        const messages = left > 0 ? await this.#cursor.next(SSE_BATCH, left, this.#abort.signal) : [];
        if (this.#ended) return;
        if (messages.length > 0) return this.#enqueue(events(messages, before, this.#cursor.topic));
        if (left <= 0 || this.#clock.monotonic() >= deadline) return this.#enqueue(': heartbeat\n\n');
      }
    } catch (e) {
      // The client reconnects (EventSource does) with its Last-Event-ID; nothing is lost.
      this.#logger.warn({ err: e, topic: this.#cursor.topic }, 'SSE stream ended by a read error');
      this.end();
    }
  }

  #enqueue(text: string): void {
    if (!this.#ended) this.#controller?.enqueue(encoder.encode(text));
  }
}

/** `id:` after each message = the positions with that message consumed (docs §6). */
function events(messages: readonly StoredMessage[], before: number[], topic: string): string {
  const positions = [...before];
  let out = '';
  for (const m of messages) {
    while (positions.length <= m.queueId) positions.push(0);
    positions[m.queueId] = m.queueOffset + 1;
    out += `id: ${encodePositionToken(positions)}\nevent: message\ndata: ${JSON.stringify(messageFields(m, topic, 1))}\n\n`;
  }
  return out;
}
