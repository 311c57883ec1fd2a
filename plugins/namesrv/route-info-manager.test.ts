import test from 'ava';
import { encodeClusterInfo, encodeTopicRouteData, type TopicConfigWire } from '../../kernel/protocol/remoting/route.js';
import { RouteInfoManager, type BrokerRegistration } from './route-info-manager.js';

const topic = (topicName: string, queues = 4, perm = 6): TopicConfigWire => ({ topicName, readQueueNums: queues, writeQueueNums: queues, perm, topicSysFlag: 0, order: false });

const master = (over: Partial<BrokerRegistration> = {}): BrokerRegistration => ({
  clusterName: 'DefaultCluster',
  brokerName: 'broker-a',
  brokerAddr: '127.0.0.1:10911',
  brokerId: 0,
  haServerAddr: '127.0.0.1:10912',
  topics: [topic('TopicA'), topic('%RETRY%CG1', 1), topic('SCHEDULE_TOPIC_XXXX', 18)],
  dataVersion: { timestamp: 1000, counter: 1 },
  connectionId: 'c1',
  ...over,
});

const routeText = (rim: RouteInfoManager, t: string): string | undefined => {
  const route = rim.pickupTopicRouteData(t);
  return route === undefined ? undefined : new TextDecoder().decode(encodeTopicRouteData(route));
};

test('register: route JSON is byte-exact standard JSON in the §2.2 field order', (t) => {
  const rim = new RouteInfoManager();
  t.deepEqual(rim.registerBroker(master(), 0), {});
  t.is(
    routeText(rim, 'TopicA'),
    '{"orderTopicConf":null,"queueDatas":[{"brokerName":"broker-a","readQueueNums":4,"writeQueueNums":4,"perm":6,"topicSysFlag":0}],' +
      '"brokerDatas":[{"cluster":"DefaultCluster","brokerName":"broker-a","brokerAddrs":{"0":"127.0.0.1:10911"}}],"filterServerTable":{}}',
  );
});

test('retry topics route like any topic; SCHEDULE_TOPIC_XXXX is never listed; unknown topics have no route', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  t.truthy(rim.pickupTopicRouteData('%RETRY%CG1'));
  t.is(rim.pickupTopicRouteData('SCHEDULE_TOPIC_XXXX'), undefined);
  t.is(rim.pickupTopicRouteData('Nope'), undefined);
  t.deepEqual(rim.topicList().sort(), ['%RETRY%CG1', 'TopicA']);
});

test('two brokers: queueDatas and brokerDatas sorted by brokerName whatever the registration order', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', connectionId: 'c2', topics: [topic('TopicA', 8)] }), 0);
  rim.registerBroker(master(), 0);
  const route = rim.pickupTopicRouteData('TopicA');
  const parsed = JSON.parse(routeText(rim, 'TopicA')!) as { queueDatas: { brokerName: string; readQueueNums: number }[]; brokerDatas: { brokerName: string }[] };
  t.deepEqual(parsed.queueDatas.map((q) => [q.brokerName, q.readQueueNums]), [['broker-a', 4], ['broker-b', 8]]);
  t.deepEqual(parsed.brokerDatas.map((b) => b.brokerName), ['broker-a', 'broker-b']);
  t.is(route?.brokerDatas.length, 2);
});

test('re-register refreshes the time and applies a changed topic table (topics it dropped lose this broker)', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  rim.registerBroker(master({ topics: [topic('TopicA', 2)] }), 50);
  t.is(rim.pickupTopicRouteData('TopicA')?.queueDatas[0]?.readQueueNums, 4, 'same data version: the table is not re-applied');
  t.is(rim.liveBrokers().get('127.0.0.1:10911')?.lastUpdate, 50);
  rim.registerBroker(master({ topics: [topic('TopicA', 2)], dataVersion: { timestamp: 1000, counter: 2 } }), 60);
  t.is(rim.pickupTopicRouteData('TopicA')?.queueDatas[0]?.readQueueNums, 2);
  t.is(rim.pickupTopicRouteData('%RETRY%CG1'), undefined);
});

test('master and slave addresses: the slave learns masterAddr and haServerAddr; brokerAddrs lists both ids', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  const slave = rim.registerBroker(master({ brokerId: 1, brokerAddr: '127.0.0.1:10921', haServerAddr: '', topics: [topic('Other')], connectionId: 'c3' }), 0);
  t.deepEqual(slave, { masterAddr: '127.0.0.1:10911', haServerAddr: '127.0.0.1:10912' });
  t.deepEqual(rim.pickupTopicRouteData('TopicA')?.brokerDatas[0]?.brokerAddrs, { '0': '127.0.0.1:10911', '1': '127.0.0.1:10921' });
  t.is(rim.pickupTopicRouteData('Other'), undefined, "a slave's topic table is not applied");
  // A slave promoted to master keeps one entry per address.
  rim.unregisterBroker({ clusterName: 'DefaultCluster', brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', brokerId: 0 });
  rim.registerBroker(master({ brokerAddr: '127.0.0.1:10921', connectionId: 'c3' }), 1);
  t.deepEqual(rim.pickupTopicRouteData('TopicA')?.brokerDatas[0]?.brokerAddrs, { '0': '127.0.0.1:10921' });
});

test('unregister: the last address of a broker name takes its routes and its cluster entry', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  rim.registerBroker(master({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', connectionId: 'c2', topics: [topic('TopicA')] }), 0);
  t.true(rim.unregisterBroker({ clusterName: 'DefaultCluster', brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911', brokerId: 0 }));
  t.deepEqual(rim.pickupTopicRouteData('TopicA')?.queueDatas.map((q) => q.brokerName), ['broker-b']);
  t.is(rim.pickupTopicRouteData('%RETRY%CG1'), undefined);
  t.deepEqual(rim.clusterInfo().clusterAddrTable, { DefaultCluster: ['broker-b'] });
  rim.unregisterBroker({ clusterName: 'DefaultCluster', brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', brokerId: 0 });
  t.deepEqual(rim.clusterInfo(), { brokerAddrTable: {}, clusterAddrTable: {} });
  t.deepEqual(rim.topicList(), []);
});

test('eviction with a controlled clock: only brokers silent for longer than the expiry go', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  rim.registerBroker(master({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', connectionId: 'c2', topics: [topic('TopicA')] }), 0);
  rim.registerBroker(master({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', connectionId: 'c2', topics: [topic('TopicA')] }), 90_000);
  t.deepEqual(rim.evictExpired(120_000, 120_000), [], 'exactly at the expiry: kept (Java uses <)');
  t.deepEqual(rim.evictExpired(120_001, 120_000), ['127.0.0.1:10911']);
  t.deepEqual(rim.pickupTopicRouteData('TopicA')?.brokerDatas.map((b) => b.brokerName), ['broker-b']);
  t.deepEqual(rim.evictExpired(210_001, 120_000), ['127.0.0.1:20911']);
  t.is(rim.pickupTopicRouteData('TopicA'), undefined);
});

test('connection close removes the brokers registered over it, and only those', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  rim.registerBroker(master({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911', connectionId: 'c2', topics: [topic('TopicA')] }), 0);
  t.deepEqual(rim.onConnectionClosed('c-other'), []);
  t.deepEqual(rim.onConnectionClosed('c1'), ['127.0.0.1:10911']);
  t.deepEqual(Object.keys(rim.clusterInfo().brokerAddrTable), ['broker-b']);
});

test('delete topic: everywhere, or only in one cluster', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master(), 0);
  rim.registerBroker(master({ clusterName: 'Other', brokerName: 'broker-x', brokerAddr: '10.0.0.2:10911', connectionId: 'c9', topics: [topic('TopicA')] }), 0);
  t.true(rim.deleteTopic('TopicA', 'Other'));
  t.deepEqual(rim.pickupTopicRouteData('TopicA')?.queueDatas.map((q) => q.brokerName), ['broker-a']);
  t.true(rim.deleteTopic('TopicA'));
  t.is(rim.pickupTopicRouteData('TopicA'), undefined);
  t.false(rim.deleteTopic('TopicA'));
});

test('cluster info JSON: sorted tables with quoted broker ids', (t) => {
  const rim = new RouteInfoManager();
  rim.registerBroker(master({ brokerName: 'broker-b', brokerAddr: '127.0.0.1:20911' }), 0);
  rim.registerBroker(master(), 0);
  t.is(
    new TextDecoder().decode(encodeClusterInfo(rim.clusterInfo())),
    '{"brokerAddrTable":{"broker-a":{"cluster":"DefaultCluster","brokerName":"broker-a","brokerAddrs":{"0":"127.0.0.1:10911"}},' +
      '"broker-b":{"cluster":"DefaultCluster","brokerName":"broker-b","brokerAddrs":{"0":"127.0.0.1:20911"}}},"clusterAddrTable":{"DefaultCluster":["broker-a","broker-b"]}}',
  );
});
