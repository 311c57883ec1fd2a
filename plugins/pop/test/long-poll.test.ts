import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { popBroker, text } from './harness.js';

const receive = { group: 'G', topic: 'T', max: 8, invisibleMs: 60_000 } as const;

/** Settles with 'pending' if `p` has not settled within `ms` (a bound, not a synchronisation). */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

test('a long poll answers as soon as a message is produced, long before waitMs', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 4, writeQueueNums: 4 });
  let settled = false;
  const poll = b.pop.receive({ ...receive, waitMs: 60_000 }).finally(() => (settled = true));
  await waitFor(() => b.pop.waitingReceives() === 1, { message: 'receive parked' });
  t.false(settled, 'parked before the produce');
  await b.produce('T', 'wake', { queueId: 3 });
  const got = await within(poll, 10_000);
  if (got === 'pending') return t.fail('the long poll did not answer on the produce');
  t.deepEqual(got.map((m) => text(m.message.body)), ['wake']);
  t.is(b.pop.waitingReceives(), 0);
});

test('a long poll also wakes for the retry topic and answers empty after waitMs when nothing comes', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  t.deepEqual(await b.pop.receive({ ...receive, waitMs: 300 }), []);
  t.is(b.pop.waitingReceives(), 0, 'its waiters are released');
  await b.produce('T', 'again');
  const [m] = await b.pop.receive({ ...receive, waitMs: 0 });
  if (!m) return t.fail('no delivery');
  await b.pop.nack('G', m.receiptHandle, { delayLevel: 1 }); // creates %RETRY%G; the copy arrives 30 ms later
  const [retry] = await b.pop.receive({ ...receive, waitMs: 10_000 });
  t.like(retry, { topic: 'T', message: { topic: '%RETRY%G' } });
});

test('aborting the request signal or stopping the kernel answers a parked receive at once (empty)', async (t) => {
  const b = await popBroker(t);
  await b.api.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 });
  const ac = new AbortController();
  const aborted = b.pop.receive({ ...receive, waitMs: 60_000, signal: ac.signal });
  await waitFor(() => b.pop.waitingReceives() === 1);
  ac.abort();
  t.deepEqual(await within(aborted, 10_000), []);

  const parked = b.pop.receive({ ...receive, waitMs: 60_000 });
  await waitFor(() => b.pop.waitingReceives() === 1);
  await b.kernel.stop('test');
  t.deepEqual(await within(parked, 10_000), []);
  await t.throwsAsync(b.pop.receive({ ...receive, waitMs: 0 }), { code: 'SERVICE_UNAVAILABLE' } as never);
});
