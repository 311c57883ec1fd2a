import test from 'ava';
import { pino } from 'pino';
import { CometError } from '../../../kernel/errors.js';
import type { StoredMessage } from '../../../kernel/messaging/message.js';
import type { Clock, TimerHandle } from '../../../kernel/services.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { messageFields } from './frames.js';
import type { ServerFrame } from './protocol.js';
import { Subscription, type Delivery, type DeliverySource, type SubscriptionHost } from './subscription.js';

/** A clock whose timers run only when the test advances it. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  const timers = new Set<{ at: number; fn: () => void }>();
  const handle = (timer: { at: number; fn: () => void }): TimerHandle => {
    const h: TimerHandle = { cancel: () => void timers.delete(timer), unref: () => h };
    return h;
  };
  return {
    now: () => now,
    monotonic: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + ms, fn };
      timers.add(timer);
      return handle(timer);
    },
    setInterval() {
      throw new Error('not used');
    },
    advance(ms) {
      now += ms;
      for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
        if (timer.at > now) continue;
        timers.delete(timer);
        timer.fn();
      }
    },
  };
}

function message(i: number): StoredMessage {
  return {
    topic: 'T', queueId: 0, queueOffset: i, physicalOffset: i * 100, size: 100, msgId: `id-${i}`, body: Buffer.from(`m${i}`),
    bodyCrc: 0, tags: undefined, keys: [], properties: {}, flag: 0, sysFlag: 0, bornTimestamp: 1, bornHost: { address: '127.0.0.1', port: 1 },
    storeTimestamp: 2, storeHost: { address: '127.0.0.1', port: 1 }, reconsumeTimes: 0, preparedTransactionOffset: 0, raw: new Uint8Array(),
  };
}

interface Call {
  readonly max: number;
  readonly signal: AbortSignal;
  resolve(deliveries: Delivery[]): void;
  reject(e: unknown): void;
}

/** A scripted source: each fetch waits until the test answers it (an abort answers []). */
class FakeSource implements DeliverySource {
  readonly calls: Call[] = [];
  readonly acked: [string, boolean][] = [];
  readonly released: string[] = [];
  fetch(max: number, signal: AbortSignal): Promise<Delivery[]> {
    return new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => resolve([]), { once: true });
      this.calls.push({ max, signal, resolve, reject });
    });
  }
  async ack(handle: string, held: boolean): Promise<void> {
    this.acked.push([handle, held]);
  }
  async nack(handle: string, held: boolean): Promise<void> {
    this.acked.push([handle, held]);
  }
  async release(handles: readonly string[]): Promise<void> {
    this.released.push(...handles);
  }
}

class FakeHost implements SubscriptionHost {
  readonly frames: ServerFrame[] = [];
  readonly endedWith: unknown[] = [];
  send(frame: ServerFrame): boolean {
    this.frames.push(frame);
    return true;
  }
  sendMessage(subscription: string, d: Delivery): boolean {
    return this.send({ op: 'message', subscription, handle: d.handle, ...messageFields(d.message, d.topic, d.deliveryAttempt) });
  }
  ended(_s: Subscription, error: unknown): void {
    this.endedWith.push(error);
  }
}

function setup(credits: number, maxCredits = 100) {
  const clock = manualClock();
  const source = new FakeSource();
  const host = new FakeHost();
  const sub = new Subscription({ id: 's1', credits, maxCredits, clock, logger: pino({ level: 'silent' }) }, source, host);
  sub.start();
  return { clock, source, host, sub };
}

const deliveries = (from: number, n: number, expiresAt?: number): Delivery[] =>
  Array.from({ length: n }, (_, i) => ({ handle: `h${from + i}`, message: message(from + i), topic: 'T', deliveryAttempt: 1, expiresAt }));

test('each delivery uses a credit; with none left it does not poll; an ack of a held handle gives one back', async (t) => {
  const { source, host, sub } = setup(3);
  await waitFor(() => source.calls.length === 1);
  t.is(source.calls[0]!.max, 3);
  source.calls[0]!.resolve(deliveries(0, 3));
  await waitFor(() => host.frames.length === 3);
  t.deepEqual(sub.window, { credits: 0, held: 3 });
  await sub.ack('unknown');
  t.deepEqual(source.acked, [['unknown', false]], 'a handle not held is passed on, no credit');
  t.is(source.calls.length, 1, 'no poll without credits');
  await sub.ack('h1');
  await waitFor(() => source.calls.length === 2);
  t.is(source.calls[1]!.max, 1);
  t.deepEqual(source.acked[1], ['h1', true]);
  await sub.close();
});

test('grants are capped at maxCredits minus the held messages', async (t) => {
  const { source, sub } = setup(2, 5);
  await waitFor(() => source.calls.length === 1);
  source.calls[0]!.resolve(deliveries(0, 2));
  await waitFor(() => sub.window.held === 2);
  sub.grant(100);
  t.deepEqual(sub.window, { credits: 3, held: 2 });
  await sub.close();
});

test('an expired handle returns its credit (ack timeout); close releases what is still held', async (t) => {
  const { clock, source, sub } = setup(2);
  await waitFor(() => source.calls.length === 1);
  source.calls[0]!.resolve([...deliveries(0, 1, clock.now() + 100), ...deliveries(1, 1, clock.now() + 500)]);
  await waitFor(() => sub.window.held === 2);
  clock.advance(101);
  t.deepEqual(sub.window, { credits: 1, held: 1 });
  await waitFor(() => source.calls.length === 2);
  await sub.close();
  t.deepEqual(source.released, ['h1']);
  t.true(source.calls[1]!.signal.aborted, 'the pending poll was aborted');
});

test('a batch that arrives after close is released at once', async (t) => {
  const { source, host, sub } = setup(2);
  await waitFor(() => source.calls.length === 1);
  // The poll answers, and the subscription closes before the loop sees the answer.
  source.calls[0]!.resolve(deliveries(0, 2));
  await sub.close();
  t.is(host.frames.length, 0);
  t.deepEqual(source.released, ['h0', 'h1']);
});

test('a transient error is reported and polling resumes after a pause; another error ends the subscription', async (t) => {
  const { clock, source, host, sub } = setup(2);
  await waitFor(() => source.calls.length === 1);
  source.calls[0]!.reject(new CometError('SERVICE_UNAVAILABLE', 'busy'));
  await waitFor(() => host.frames.length === 1);
  t.like(host.frames[0], { op: 'error', subscription: 's1', error: { code: 'SERVICE_UNAVAILABLE' } });
  t.is(source.calls.length, 1);
  clock.advance(1000);
  await waitFor(() => source.calls.length === 2);
  source.calls[1]!.reject(new CometError('AUTH_FORBIDDEN', 'no'));
  await waitFor(() => host.endedWith.length === 1);
  t.like(host.endedWith[0], { code: 'AUTH_FORBIDDEN' });
  await sub.close();
  t.is(source.calls.length, 2);
});
