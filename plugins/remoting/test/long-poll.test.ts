import test from 'ava';
import { PullSysFlag, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { brokerHarness, decodeRecords, pullOffsets, pullRequest, sendV2, v2 } from './harness.js';

const HOLD = PullSysFlag.SUSPEND | PullSysFlag.SUBSCRIPTION;

test('a held pull is answered by the next send (no sleeps: start the pull, wait until parked, send)', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'L', readQueueNums: 1, writeQueueNums: 1 });
  const producer = h.newClient();
  const pending = h.call(pullRequest('L', { queueOffset: 0, sysFlag: HOLD, suspendTimeoutMillis: 20_000, subscription: '*' }), 25_000);
  const messaging = h.messaging as unknown as { waiterCount(): number };
  await waitFor(() => messaging.waiterCount() === 1, { message: 'pull parked' });
  const sent = await producer.invoke(h.address, { code: 310, extFields: v2('L'), body: Buffer.from('wake') });
  t.is(sent.code, ResponseCode.SUCCESS);
  const r = await pending;
  t.is(r.code, ResponseCode.SUCCESS);
  t.deepEqual(decodeRecords(r.body).map((m) => Buffer.from(m.body).toString()), ['wake']);
  t.deepEqual(pullOffsets(r), { next: 1, min: 0, max: 1, broker: '0' });
  t.is(messaging.waiterCount(), 0);
});

test('a held pull at the caught-up offset times out with 19 and the offsets', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'L', readQueueNums: 1, writeQueueNums: 1 });
  await sendV2(h, 'L', 'x');
  const r = await h.call(pullRequest('L', { queueOffset: 1, sysFlag: HOLD, suspendTimeoutMillis: 100, subscription: '*' }));
  t.is(r.code, ResponseCode.PULL_NOT_FOUND);
  t.deepEqual(pullOffsets(r), { next: 1, min: 0, max: 1, broker: '0' });
});

test('the hold is capped by suspendMaxMs whatever the client asks', async (t) => {
  const h = await brokerHarness(t, { remoting: { suspendMaxMs: 50 } });
  await h.messaging.topics.create({ topicName: 'L', readQueueNums: 1, writeQueueNums: 1 });
  const r = await h.call(pullRequest('L', { queueOffset: 0, sysFlag: HOLD, suspendTimeoutMillis: 60_000, subscription: '*' }), 5_000);
  t.is(r.code, ResponseCode.PULL_NOT_FOUND);
});

test('held pulls of a closed connection are released; kernel stop answers held pulls at once', async (t) => {
  const h = await brokerHarness(t);
  await h.messaging.topics.create({ topicName: 'L', readQueueNums: 1, writeQueueNums: 1 });
  const messaging = h.messaging as unknown as { waiterCount(): number };
  const other = h.newClient();
  const lost = other.invoke(h.address, pullRequest('L', { queueOffset: 0, sysFlag: HOLD, suspendTimeoutMillis: 20_000, subscription: '*' }), 25_000);
  await waitFor(() => messaging.waiterCount() === 1);
  other.closeConnection(h.address);
  await t.throwsAsync(lost);
  await waitFor(() => messaging.waiterCount() === 0, { message: 'waiter released on close' });
  const held = h.call(pullRequest('L', { queueOffset: 0, sysFlag: HOLD, suspendTimeoutMillis: 20_000, subscription: '*' }), 25_000);
  await waitFor(() => messaging.waiterCount() === 1);
  const stopping = h.kernel.stop('test');
  const r = await held;
  t.is(r.code, ResponseCode.PULL_NOT_FOUND);
  await stopping;
});
