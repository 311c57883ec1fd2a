import type { WebSocketConstructor, WebSocketLike } from '../channel.js';

/** An in-memory WebSocket driven by the test (the "server" side): open, push frames, close. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Frames the client sent, parsed. */
  readonly sent: Record<string, unknown>[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // ── the test's side ──

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }

  /** Sent frames with this op. */
  frames(op: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f.op === op);
  }
}

/** A fresh constructor per test, with the sockets it made. */
export function fakeWebSocket(): { readonly WebSocket: WebSocketConstructor; readonly sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  class Ctor extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: Ctor, sockets };
}

/** A message frame for subscription `subscription`. */
export function messageFrame(subscription: string, queueId: number, queueOffset: number, body: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    op: 'message',
    subscription,
    handle: `h-${queueId}-${queueOffset}-${String(extra.deliveryAttempt ?? 1)}`,
    topic: 'T',
    queueId,
    queueOffset,
    msgId: `m-${queueId}-${queueOffset}`,
    tag: null,
    keys: [],
    properties: {},
    body,
    encoding: 'utf8',
    deliveryAttempt: 1,
    bornTimestamp: 1,
    storeTimestamp: 2,
    ...extra,
  };
}
