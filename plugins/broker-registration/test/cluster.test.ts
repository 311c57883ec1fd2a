import test, { type ExecutionContext } from 'ava';
import { pino } from 'pino';
import { createRemotingClient } from '../../../kernel/protocol/remoting/client.js';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { parseTopicRouteData, type TopicRouteData } from '../../../kernel/protocol/remoting/route.js';
import { MESSAGING } from '../../../kernel/tokens.js';
import { testKernel } from '../../../test/helpers/kernel-harness.js';
import { eventually } from '../../../test/helpers/wait.js';
import { NAMESRV } from '../../namesrv/tokens.js';

const BROKER_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'broker-registration'];

async function nameServer(t: ExecutionContext, over: Record<string, number> = {}) {
  const { kernel } = await testKernel(t, { values: { load: ['namesrv'], plugins: { namesrv: { host: '127.0.0.1', port: 0, ...over } } } });
  await kernel.start();
  return { kernel, addr: kernel.resolve(NAMESRV).address() };
}

async function broker(t: ExecutionContext, namesrvAddrs: string[], over: Record<string, unknown> = {}, extraLoad: string[] = []) {
  const { kernel } = await testKernel(t, {
    values: { load: [...BROKER_LOAD, ...extraLoad], brokerName: 'broker-a', advertisedPort: 10911, plugins: { 'broker-registration': { namesrvAddrs, ...over } } },
  });
  await kernel.start();
  return { kernel, messaging: kernel.resolve(MESSAGING) };
}

function routeClient(t: ExecutionContext) {
  const client = createRemotingClient({ requestTimeoutMs: 2000 }, pino({ level: 'silent' }));
  t.teardown(() => client.close());
  /** The route, or undefined on TOPIC_NOT_EXIST. */
  return async (addr: string, topic: string): Promise<TopicRouteData | undefined> => {
    const res = await client.invoke(addr, { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic } });
    if (res.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`route ${topic}: ${res.code} ${res.remark}`);
    return parseTopicRouteData(res.body);
  };
}

const noRoute = async (route: Promise<TopicRouteData | undefined>): Promise<void> => {
  const r = await route;
  if (r !== undefined) throw new Error(`route still present: ${JSON.stringify(r)}`);
};

const hasRoute = async (route: Promise<TopicRouteData | undefined>, queues: number): Promise<void> => {
  const r = await route;
  if (r?.queueDatas[0]?.writeQueueNums !== queues) throw new Error(`no route with ${queues} queues yet: ${JSON.stringify(r)}`);
  if (r.brokerDatas[0]?.brokerAddrs['0'] !== '127.0.0.1:10911') throw new Error(`unexpected broker: ${JSON.stringify(r.brokerDatas)}`);
};

test('a broker registers with both name servers, on topic changes too; one stopping changes nothing for the other', async (t) => {
  const a = await nameServer(t);
  const b = await nameServer(t);
  const { messaging } = await broker(t, [`${a.addr};${b.addr}`]);
  const route = routeClient(t);
  await messaging.topics.create({ topicName: 'TopicA', readQueueNums: 4, writeQueueNums: 4 });
  await eventually(() => hasRoute(route(a.addr, 'TopicA'), 4), { message: 'route on name server A' });
  await eventually(() => hasRoute(route(b.addr, 'TopicA'), 4), { message: 'route on name server B' });

  await a.kernel.stop('test: name server A down');
  await messaging.topics.create({ topicName: 'TopicB', readQueueNums: 2, writeQueueNums: 2 });
  await eventually(() => hasRoute(route(b.addr, 'TopicB'), 2), { message: 'B learns the new topic while A is down' });
  await hasRoute(route(b.addr, 'TopicA'), 4);
  await messaging.topics.delete('TopicA');
  await eventually(() => noRoute(route(b.addr, 'TopicA')), { message: 'a deleted topic leaves B' });
  t.pass();
});

test('a broker that stops registering is evicted (short expiry) and its routes disappear; the next registration restores them', async (t) => {
  const ns = await nameServer(t, { brokerExpiryMs: 300, scanIntervalMs: 50 });
  const { messaging } = await broker(t, [ns.addr], { registerIntervalMs: 600_000 });
  const route = routeClient(t);
  await messaging.topics.create({ topicName: 'TopicA', readQueueNums: 4, writeQueueNums: 4 });
  await eventually(() => hasRoute(route(ns.addr, 'TopicA'), 4));
  // The broker still runs and its connection stays open, but it does not re-register within 300 ms.
  await eventually(() => noRoute(route(ns.addr, 'TopicA')), { message: 'evicted' });
  t.is(ns.kernel.resolve(NAMESRV).address(), ns.addr);
  await messaging.topics.update({ topicName: 'TopicA', readQueueNums: 4, writeQueueNums: 4, perm: 6 });
  await eventually(() => hasRoute(route(ns.addr, 'TopicA'), 4), { message: 'a topic change registers again' });
});

test('embedded name server: `start`-style kernel routes its own topics; stop unregisters from external name servers', async (t) => {
  const external = await nameServer(t);
  const { kernel, messaging } = await broker(t, [external.addr], {}, ['namesrv']);
  const route = routeClient(t);
  await messaging.topics.create({ topicName: 'TopicE', readQueueNums: 4, writeQueueNums: 4 });
  const own = kernel.resolve(NAMESRV).address();
  t.regex(own, /^127\.0\.0\.1:\d+$/);
  t.true(kernel.doors().some((d) => d.name === 'namesrv'));
  await eventually(() => hasRoute(route(own, 'TopicE'), 4), { message: 'embedded route' });
  await eventually(() => hasRoute(route(external.addr, 'TopicE'), 4), { message: 'external route' });
  const report = await kernel.stop('test');
  t.deepEqual([report.timedOut, report.failed], [[], []]);
  t.is(await route(external.addr, 'TopicE'), undefined, 'unregistered on stop');
});
