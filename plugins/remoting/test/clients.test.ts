import test from 'ava';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { brokerHarness, enc } from './harness.js';

const heartbeat = (clientID: string, group: string, producer = 'PG1') => ({
  code: RequestCode.HEART_BEAT,
  body: enc(
    JSON.stringify({
      clientID,
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          subscriptionDataSet: [{ topic: 'TopicA', subString: 'TagA || TagB', classFilterMode: false, tagsSet: ['TagA', 'TagB'], codeSet: [2598919, 2598920], subVersion: 1 }],
          unitMode: false,
        },
      ],
      producerDataSet: [{ groupName: producer }],
    }),
  ),
});
const list = (group: string) => ({ code: RequestCode.GET_CONSUMER_LIST_BY_GROUP, extFields: { consumerGroup: group } });
const ids = (r: RemotingCommand): string[] => (JSON.parse(Buffer.from(r.body ?? []).toString()) as { consumerIdList: string[] }).consumerIdList;

test('heartbeat registers consumers: consumer list, group and %RETRY% topic auto-created, 40 sent on change', async (t) => {
  const h = await brokerHarness(t);
  const empty = await h.call(list('CG1'));
  t.is(empty.code, ResponseCode.SYSTEM_ERROR, 'empty list → 1 like Java');
  const notified: RemotingCommand[] = [];
  const first = h.newClient({ onServerRequest: (_address, request) => notified.push(request) });
  t.is((await first.invoke(h.address, heartbeat('127.0.0.1@1', 'CG1'))).code, ResponseCode.SUCCESS);
  t.deepEqual(ids(await h.call(list('CG1'))), ['127.0.0.1@1']);
  t.truthy(h.messaging.groups.get('CG1'));
  t.like(h.messaging.topics.get('%RETRY%CG1'), { readQueueNums: 1, writeQueueNums: 1, perm: 6 });
  t.is((await h.call(heartbeat('127.0.0.1@0', 'CG1'))).code, ResponseCode.SUCCESS);
  t.deepEqual(ids(await h.call(list('CG1'))), ['127.0.0.1@0', '127.0.0.1@1'], 'sorted');
  await waitFor(() => notified.some((r) => r.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED));
  t.is(notified[0]?.extFields.consumerGroup, 'CG1');
  const bad = await h.call({ code: RequestCode.HEART_BEAT, body: enc('{"consumerDataSet": 5}') });
  t.is(bad.code, ResponseCode.SYSTEM_ERROR);
});

test('unregister and connection close remove a client at once', async (t) => {
  const h = await brokerHarness(t);
  const other = h.newClient();
  await other.invoke(h.address, heartbeat('c-other', 'CG1'));
  await h.call(heartbeat('c-main', 'CG1'));
  t.deepEqual(ids(await h.call(list('CG1'))), ['c-main', 'c-other']);
  const un = await h.call({ code: RequestCode.UNREGISTER_CLIENT, extFields: { clientID: 'c-main', consumerGroup: 'CG1' } });
  t.is(un.code, ResponseCode.SUCCESS);
  t.deepEqual(ids(await h.call(list('CG1'))), ['c-other']);
  other.closeConnection(h.address);
  await waitFor(async () => (await h.call(list('CG1'))).code === ResponseCode.SYSTEM_ERROR, { message: 'removed on close' });
  t.pass();
});

test('a client without heartbeats expires (clientExpiryMs, scanned every scanIntervalMs)', async (t) => {
  const h = await brokerHarness(t, { remoting: { clientExpiryMs: 400, scanIntervalMs: 25 } });
  await h.call(heartbeat('c1', 'CG1'));
  t.is((await h.call(list('CG1'))).code, ResponseCode.SUCCESS);
  await waitFor(async () => (await h.call(list('CG1'))).code === ResponseCode.SYSTEM_ERROR, { message: 'expired' });
  t.pass();
});
