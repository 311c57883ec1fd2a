import test from 'ava';
import { EventEmitter } from 'node:events';
import { eventually, once, onceFrom, waitFor } from './wait.js';

test('waitFor resolves when the condition holds and rejects at its deadline', async (t) => {
  let n = 0;
  await waitFor(() => ++n >= 3, { intervalMs: 1 });
  t.is(n, 3);
  await t.throwsAsync(waitFor(() => false, { timeoutMs: 20, intervalMs: 5, message: 'never' }), { message: /timed out after 20 ms: never/ });
});

test('eventually returns the value once the check stops throwing, else rethrows the last error', async (t) => {
  let n = 0;
  t.is(
    await eventually(() => {
      if (++n < 3) throw new Error('not yet');
      return n;
    }, { intervalMs: 1 }),
    3,
  );
  const never = (): never => {
    throw new Error('still wrong');
  };
  await t.throwsAsync(eventually(never, { timeoutMs: 20, intervalMs: 5 }), { message: /eventually gave up after 20 ms: still wrong/ });
});

test('once works with EventEmitter and EventTarget and removes its listener', async (t) => {
  const emitter = new EventEmitter();
  const got = once(emitter, 'ping', { filter: (v) => v === 2 });
  emitter.emit('ping', 1);
  emitter.emit('ping', 2);
  t.deepEqual(await got, [2]);
  t.is(emitter.listenerCount('ping'), 0);
  const target = new EventTarget();
  const ev = once(target, 'go');
  target.dispatchEvent(new Event('go'));
  t.is(((await ev)[0] as Event).type, 'go');
  await t.throwsAsync(once(emitter, 'silent', { timeoutMs: 10 }), { message: /once timed out/ });
  t.is(emitter.listenerCount('silent'), 0);
});

test('onceFrom subscribes to a subscribe-style source and unsubscribes', async (t) => {
  const listeners = new Set<(a: number) => void>();
  const subscribe = (l: (a: number) => void): (() => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  const got = onceFrom(subscribe, { filter: (a) => a > 1 });
  for (const l of [...listeners]) l(1);
  for (const l of [...listeners]) l(5);
  t.deepEqual(await got, [5]);
  t.is(listeners.size, 0);
});
