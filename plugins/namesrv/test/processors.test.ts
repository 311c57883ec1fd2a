import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import { createRemotingClient } from '../../../kernel/protocol/remoting/client.js';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { bodyCrc32, encodeRegisterBrokerBody, parseClusterInfo, parseTopicList, parseTopicRouteData, type TopicConfigWire } from '../../../kernel/protocol/remoting/route.js';
import type { Clock } from '../../../kernel/services.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { namesrvConfig } from '../config.js';
import { createNameServer } from '../name-server.js';
import { manualClock } from './manual-clock.js';

const silent = pino({ level: 'silent' });
const text = (c: RemotingCommand): string => new TextDecoder().decode(c.body);

async function setup(t: ExecutionContext, clock: Clock, over: Parameters<typeof namesrvConfig>[0] = {}) {
  const ns = createNameServer(namesrvConfig({ host: '127.0.0.1', port: 0, ...over }), { clock, logger: silent });
  const { port } = await ns.start();
  const client = createRemotingClient({ requestTimeoutMs: 3000 }, silent);
  t.teardown(async () => {
    await client.close();
    await ns.close();
  });
  const addr = `127.0.0.1:${port}`;
  const call = (code: number, extFields: Record<string, string | number> = {}, body?: Uint8Array) =>
    client.invoke(addr, { code, extFields, ...(body === undefined ? {} : { body }) });
  return { ns, client, addr, call };
}

const topic = (topicName: string, queues = 4): TopicConfigWire => ({ topicName, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicSysFlag: 0, order: false });
const brokerFields = (brokerName = 'broker-a', brokerAddr = '127.0.0.1:10911', brokerId = 0) => ({ brokerName, brokerAddr, clusterName: 'DefaultCluster', haServerAddr: '127.0.0.1:10912', brokerId });
const registerBody = (topics: TopicConfigWire[], counter = 1) =>
  encodeRegisterBrokerBody({ topicConfigSerializeWrapper: { topicConfigTable: Object.fromEntries(topics.map((x) => [x.topicName, x])), dataVersion: { timestamp: 1, counter } }, filterServerList: [] });

test('103/105/106/206/216/104 over a real RemotingServer and RemotingClient', async (t) => {
  const { call } = await setup(t, manualClock());
  const body = registerBody([topic('TopicA'), topic('%RETRY%CG1', 1), topic('SCHEDULE_TOPIC_XXXX', 18)]);
  const reg = await call(RequestCode.REGISTER_BROKER, { ...brokerFields(), bodyCrc32: bodyCrc32(body) }, body);
  t.is(reg.code, ResponseCode.SUCCESS, reg.remark);

  const route = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' });
  t.is(route.code, ResponseCode.SUCCESS);
  t.is(
    text(route),
    '{"orderTopicConf":null,"queueDatas":[{"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,"perm":6,"topicSysFlag":0}],' +
      '"brokerDatas":[{"cluster":"DefaultCluster","brokerName":"broker-a","brokerAddrs":{"0":"127.0.0.1:10911"}}],"filterServerTable":{}}',
  );
  t.is(parseTopicRouteData((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: '%RETRY%CG1' })).body).queueDatas[0]?.readQueueNums, 1);
  const missing = await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'Unknown' });
  t.is(missing.code, ResponseCode.TOPIC_NOT_EXIST);
  t.regex(missing.remark ?? '', /No topic route info in name server for the topic: Unknown/);
  t.is((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'SCHEDULE_TOPIC_XXXX' })).code, ResponseCode.TOPIC_NOT_EXIST);

  // A slave learns its master.
  const slave = await call(RequestCode.REGISTER_BROKER, { ...brokerFields('broker-a', '127.0.0.1:10921', 1), haServerAddr: '' }, registerBody([topic('TopicA')]));
  t.deepEqual({ ...slave.extFields }, { haServerAddr: '127.0.0.1:10912', masterAddr: '127.0.0.1:10911' });

  const cluster = parseClusterInfo((await call(RequestCode.GET_BROKER_CLUSTER_INFO)).body);
  t.deepEqual(cluster, { brokerAddrTable: { 'broker-a': { cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911', '1': '127.0.0.1:10921' } } }, clusterAddrTable: { DefaultCluster: ['broker-a'] } });
  t.is(text(await call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)), '{"topicList":["%RETRY%CG1","TopicA"]}');

  t.is((await call(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: '%RETRY%CG1' })).code, ResponseCode.SUCCESS);
  t.deepEqual(parseTopicList((await call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).body).topicList, ['TopicA']);

  t.is((await call(RequestCode.UNREGISTER_BROKER, brokerFields('broker-a', '127.0.0.1:10921', 1))).code, ResponseCode.SUCCESS);
  t.is((await call(RequestCode.UNREGISTER_BROKER, brokerFields())).code, ResponseCode.SUCCESS);
  t.is((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' })).code, ResponseCode.TOPIC_NOT_EXIST);
});

test('junk registrations are answered SYSTEM_ERROR with the problem in the remark, and change nothing', async (t) => {
  const { call, ns } = await setup(t, manualClock());
  const enc = (s: string) => new TextEncoder().encode(s);
  const cases: [Record<string, string | number>, Uint8Array | undefined, RegExp][] = [
    [brokerFields(), enc('{"topicConfigSerializeWrapper":'), /REGISTER_BROKER body: not JSON/],
    [brokerFields(), enc('{"topicConfigSerializeWrapper":{"topicConfigTable":{"T":{"topicName":"T","perm":"rw"}},"dataVersion":{"timestamp":1,"counter":0}}}'), /topicConfigTable\.T\.readQueueNums/],
    [{ ...brokerFields(), bodyCrc32: 12345 }, registerBody([topic('T')]), /bodyCrc32 12345 does not match/],
    [{ ...brokerFields(), compressed: 'true' }, registerBody([topic('T')]), /compressed registration bodies are not supported/],
    [{ brokerAddr: '127.0.0.1:1', clusterName: 'c', brokerId: 0 }, registerBody([topic('T')]), /the field brokerName is missing/],
    [{ ...brokerFields(), brokerId: 'x' }, registerBody([topic('T')]), /the field brokerId="x" is not a non-negative integer/],
  ];
  for (const [fields, body, remark] of cases) {
    const res = await call(RequestCode.REGISTER_BROKER, fields, body);
    t.is(res.code, ResponseCode.SYSTEM_ERROR, String(remark));
    t.regex(res.remark ?? '', remark);
  }
  t.is(ns.routes.liveBrokers().size, 0);
  t.is((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC)).code, ResponseCode.SYSTEM_ERROR, 'route request without topic');
});

test('a broker that stops re-registering is evicted by the scan (controlled clock) and its routes disappear', async (t) => {
  const clock = manualClock();
  const { call, ns } = await setup(t, clock, { brokerExpiryMs: 120_000, scanIntervalMs: 10_000 });
  await call(RequestCode.REGISTER_BROKER, brokerFields(), registerBody([topic('TopicA')]));
  await call(RequestCode.REGISTER_BROKER, brokerFields('broker-b', '127.0.0.1:20911'), registerBody([topic('TopicA')]));
  clock.advance(60_000);
  await call(RequestCode.REGISTER_BROKER, brokerFields('broker-b', '127.0.0.1:20911'), registerBody([topic('TopicA')]));
  clock.advance(70_000); // broker-a silent for 130 s, broker-b for 70 s
  t.deepEqual([...ns.routes.liveBrokers().keys()], ['127.0.0.1:20911']);
  const route = parseTopicRouteData((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' })).body);
  t.deepEqual(route.brokerDatas.map((b) => b.brokerName), ['broker-b']);
  clock.advance(60_000);
  t.is((await call(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicA' })).code, ResponseCode.TOPIC_NOT_EXIST);
});

test("a broker's connection closing removes it at once; other connections' brokers stay", async (t) => {
  const { call, client, addr, ns } = await setup(t, manualClock());
  await call(RequestCode.REGISTER_BROKER, brokerFields(), registerBody([topic('TopicA')]));
  const other = createRemotingClient({}, silent);
  t.teardown(() => other.close());
  await other.invoke(addr, { code: RequestCode.REGISTER_BROKER, extFields: brokerFields('broker-b', '127.0.0.1:20911'), body: registerBody([topic('TopicA')]) });
  t.is(ns.routes.liveBrokers().size, 2);
  client.closeConnection(addr);
  await waitFor(() => ns.routes.liveBrokers().size === 1, { message: 'broker-a removed on close' });
  const route = parseTopicRouteData((await other.invoke(addr, { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic: 'TopicA' } })).body);
  t.deepEqual(route.brokerDatas.map((b) => b.brokerName), ['broker-b']);
});
