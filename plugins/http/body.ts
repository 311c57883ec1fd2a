import type { IncomingMessage } from 'node:http';
import { CometError } from '../../kernel/errors.js';

/** Content-Length of a request, or undefined for a chunked (or absent) body. */
export function declaredLength(incoming: IncomingMessage): number | undefined {
  const header = incoming.headers['content-length'];
  if (header === undefined) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function tooLarge(limit: number, size?: number): CometError {
  const what = size === undefined ? 'the request body grew past' : `the request body is ${size} bytes, over`;
  return new CometError('HTTP_BODY_TOO_LARGE', `${what} the limit of ${limit} bytes`);
}

/**
 * Read a request body of at most `limit` bytes straight from the node request (no web-stream
 * copy). A Content-Length over the limit fails before a byte is read; a chunked body that grows
 * past it stops being read (the error answer closes the connection). Rejects with
 * SERVICE_UNAVAILABLE when the client goes away mid-body.
 */
export function readBody(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  const length = declaredLength(incoming);
  if (length !== undefined && length > limit) return Promise.reject(tooLarge(limit, length));
  if (length === 0 || incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (incoming.complete && incoming.readableFlowing !== true) {
    try {
      return Promise.resolve(takeBuffered(incoming, limit));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  return new Promise<Buffer>((resolve, reject) => new BodyReader(incoming, limit, resolve, reject).start());
}

/**
 * The whole body when node has parsed all of the request already (a small body arrives with its
 * headers): taken from the stream's buffer at once, without the listeners and the ticks of flowing
 * mode. Over `limit`: throws HTTP_BODY_TOO_LARGE (readBody turns it into a rejection).
 */
function takeBuffered(incoming: IncomingMessage, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  for (let chunk: unknown = incoming.read(); chunk !== null; chunk = incoming.read()) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(bytes);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** One body read (a class, not closures: this runs for every request). */
class BodyReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly onData: (chunk: Buffer) => void;
  private readonly onEnd: () => void;
  private readonly onError: (e: Error) => void;
  private readonly onClose: () => void;

  constructor(
    private readonly incoming: IncomingMessage,
    private readonly limit: number,
    private readonly resolve: (body: Buffer) => void,
    private readonly reject: (e: CometError) => void,
  ) {
    // Bound methods rather than arrow fields: no per-request function naming under tsx.
    this.onData = this.data.bind(this);
    this.onEnd = this.end.bind(this);
    this.onError = this.error.bind(this);
    this.onClose = this.close.bind(this);
  }

  start(): void {
    this.incoming.on('data', this.onData);
    this.incoming.on('end', this.onEnd);
    this.incoming.on('error', this.onError);
    this.incoming.on('close', this.onClose);
  }

  private data(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.incoming.pause();
      this.fail(tooLarge(this.limit));
      return;
    }
    this.chunks.push(chunk);
  }

  private error(e: Error): void {
    this.fail(new CometError('SERVICE_UNAVAILABLE', 'the client connection failed while sending the body', { cause: e }));
  }

  private close(): void {
    if (!this.incoming.readableEnded) this.fail(new CometError('SERVICE_UNAVAILABLE', 'the client closed the connection before the body ended'));
  }

  private end(): void {
    this.cleanup();
    this.resolve(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size));
  }

  private fail(e: CometError): void {
    this.cleanup();
    this.reject(e);
  }

  private cleanup(): void {
    this.incoming.off('data', this.onData);
    this.incoming.off('end', this.onEnd);
    this.incoming.off('error', this.onError);
    this.incoming.off('close', this.onClose);
  }
}

/** Parse a JSON body; an empty body is `{}` (so `curl -X POST` works for all-optional bodies). */
export function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new CometError('HTTP_BODY_INVALID', `the body is not valid JSON: ${reason}`);
  }
}

/** `application/json` or any `+json` media type. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const media = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json');
}
