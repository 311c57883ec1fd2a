import test, { type ExecutionContext } from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { createSseExtension, decodePositionToken, encodePositionToken } from '../sse.js';
import { extHarness, type ExtHarness } from './ext-harness.js';

interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: Record<string, unknown>;
}

/** A streaming SSE reader over fetch: parsed events and comment lines, closed at teardown. */
class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly status: number;
  readonly contentType: string | null;
  readonly #abort: AbortController;
  readonly done: Promise<void>;

  private constructor(response: Response, abort: AbortController) {
    this.status = response.status;
    this.contentType = response.headers.get('content-type');
    this.#abort = abort;
    this.done = this.#read(response.body!).catch(() => undefined);
  }

  static async open(t: ExecutionContext, url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const response = await fetch(url, { headers, signal: abort.signal });
    return new SseReader(response, abort);
  }

  close(): void {
    this.#abort.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.#block(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  #block(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else {
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
    }
    if (fields.data !== undefined) this.events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) as Record<string, unknown> });
  }

  bodies(): string[] {
    return this.events.map((e) => String(e.data.body));
  }
}

async function setup(t: ExecutionContext, heartbeatMs = 15_000, maxWaiters = 100_000): Promise<ExtHarness> {
  const h = await extHarness(t, { factories: [createSseExtension], http: { sse: { heartbeatMs } }, plugins: { messaging: { maxWaiters } } });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 3, writeQueueNums: 3 });
  return h;
}

async function produce(h: ExtHarness, bodies: readonly string[], tag?: string): Promise<void> {
  const results = await h.messaging.produceBatch('T', bodies.map((b) => ({ topic: 'T', body: Buffer.from(b), ...(tag === undefined ? {} : { tags: tag }) })));
  for (const r of results) if (r.status !== 'ok') throw new Error(`produce failed: ${r.error.message}`);
}

const bodies = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('SSE streams new messages as events with resumable ids; Last-Event-ID resumes without loss or duplicates', async (t) => {
  const h = await setup(t);
  await produce(h, ['before']);
  const first = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events`);
  t.is(first.status, 200);
  t.regex(first.contentType ?? '', /^text\/event-stream/);
  await produce(h, bodies('a', 12));
  await waitFor(() => first.events.length >= 12);
  t.deepEqual(first.bodies().sort(), bodies('a', 12).sort(), 'only messages produced after connecting');
  t.true(first.events.every((e) => e.event === 'message' && e.id !== undefined));
  t.like(first.events[0]!.data, { topic: 'T', encoding: 'utf8', deliveryAttempt: 1, tag: null });
  t.false('handle' in first.events[0]!.data);

  // Drop the stream after the 5th event, produce more, resume from that event's id.
  const fifth = first.events[4]!;
  first.close();
  await first.done;
  await produce(h, bodies('b', 8));
  const resumed = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events`, { 'last-event-id': fifth.id! });
  await waitFor(() => resumed.events.length >= 15);
  const seen = [...first.bodies().slice(0, 5), ...resumed.bodies()];
  t.deepEqual([...seen].sort(), [...bodies('a', 12), ...bodies('b', 8)].sort(), 'every message once');
  t.is(new Set(seen).size, seen.length);
});

test('SSE: tags filter, `from` query and heartbeats', async (t) => {
  const h = await setup(t, 50);
  const start = encodePositionToken([0, 0, 0]);
  await produce(h, ['x1', 'x2'], 'X');
  await produce(h, ['y1'], 'Y');
  const reader = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events?tags=Y&from=${start}`);
  await waitFor(() => reader.events.length === 1 && reader.comments.includes('heartbeat'));
  t.deepEqual(reader.bodies(), ['y1']);
  t.true(reader.comments.includes('connected'));
  const position = decodePositionToken(reader.events[0]!.id!);
  t.is(position.size, 3);
  const earliest = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events?from=earliest`);
  await waitFor(() => earliest.events.length === 3);
  t.deepEqual(earliest.bodies().sort(), ['x1', 'x2', 'y1']);
});

test('SSE: when the client goes away the server stops its long polls at once', async (t) => {
  // 3 queues = 3 waiters per idle stream, and the broker allows only 3: a leaked stream would starve the next.
  const h = await setup(t, 15_000, 3);
  const first = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events`);
  await produce(h, ['one']);
  await waitFor(() => first.events.length === 1);
  first.close();
  await first.done;
  const second = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events`);
  await produce(h, ['two']);
  await waitFor(() => second.events.length === 1, { message: 'the second stream got its waiters' });
  t.deepEqual(second.bodies(), ['two']);
  t.is(h.logs.entries.filter((e) => e.msg === 'SSE stream ended by a read error').length, 0);
});

test('SSE: bad input answers JSON errors before the stream starts', async (t) => {
  const h = await setup(t);
  const badToken = await fetch(`${h.baseUrl}/v1/topics/T/events`, { headers: { 'last-event-id': 'not*a*token' } });
  t.is(badToken.status, 400);
  t.like(await badToken.json(), { error: { code: 'HTTP_BODY_INVALID' } });
  const badTopic = await fetch(`${h.baseUrl}/v1/topics/${encodeURIComponent('bad topic')}/events`);
  t.is(badTopic.status, 400);
  t.like(await badTopic.json(), { error: { code: 'TOPIC_NAME_INVALID' } });
  await h.messaging.topics.setAutoCreate(false);
  const unknown = await fetch(`${h.baseUrl}/v1/topics/Nope/events`);
  t.is(unknown.status, 404);
  t.like(await unknown.json(), { error: { code: 'TOPIC_NOT_FOUND' } });
});

test('SSE: drain ends open streams and refuses new ones', async (t) => {
  const h = await setup(t);
  const reader = await SseReader.open(t, `${h.baseUrl}/v1/topics/T/events`);
  const sse = h.extensions[0]!;
  sse.stopAccepting?.();
  await sse.drain?.(h.clock.monotonic() + 1000);
  await reader.done;
  const refused = await fetch(`${h.baseUrl}/v1/topics/T/events`);
  t.is(refused.status, 503);
  await refused.body?.cancel();
});
