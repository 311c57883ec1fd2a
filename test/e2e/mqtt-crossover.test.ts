import test, { type ExecutionContext } from 'ava';
import { MESSAGING } from '../../kernel/tokens.js';
import { HTTP_DOOR } from '../../plugins/http/tokens.js';
import { MQTT_DOOR } from '../../plugins/mqtt/tokens.js';
import { NAMESRV } from '../../plugins/namesrv/tokens.js';
import { collect, connectClient } from '../../plugins/mqtt/test/harness.js';
import { Producer, PushConsumer, type ReceivedMessage } from '../../sdk-node/index.js';
import { doorsBroker } from '../helpers/doors-broker.js';
import { eventually, waitFor } from '../helpers/wait.js';
import { call } from './http-helpers.js';
import { FULL_LOAD } from './sdk-helpers.js';

const client = { clientIP: '127.0.0.1', suspendMs: 1000 };

/** One broker with every door (native, name server, HTTP, MQTT), all on 127.0.0.1:0. */
async function broker(t: ExecutionContext): Promise<{ base: string; namesrvAddr: string; mqttUrl: string }> {
  const kernel = await doorsBroker(t, [...FULL_LOAD, 'pop', 'http', 'mqtt'], 'cometmq-mqtt-crossover-');
  await kernel.resolve(MESSAGING).topics.create({ topicName: 'Cross', readQueueNums: 4, writeQueueNums: 4 });
  return {
    base: `http://127.0.0.1:${kernel.resolve(HTTP_DOOR).address()!.port}`,
    namesrvAddr: kernel.resolve(NAMESRV).address(),
    mqttUrl: `mqtt://127.0.0.1:${kernel.resolve(MQTT_DOOR).address()!.port}`,
  };
}

test('HTTP and native producers → MQTT subscriber: topic/tag become the MQTT topic, properties user properties', async (t) => {
  const { base, namesrvAddr, mqttUrl } = await broker(t);
  const sub = await connectClient(t, mqttUrl, { clientId: 'dash', protocolVersion: 5 });
  await sub.subscribeAsync('Cross/#', { qos: 1 });
  const http = await call(base, 'POST', '/v1/topics/Cross/messages', { messages: [{ body: 'from-http', tag: 'alerts', properties: { site: 'berlin' } }] });
  t.is(http.status, 200);
  const producer = new Producer({ ...client, groupName: 'PG', namesrvAddr });
  await producer.start();
  t.teardown(() => producer.shutdown());
  await eventually(() => producer.send({ topic: 'Cross', body: 'from-native', tags: 'metrics' }), { message: 'route of Cross' });
  const got = collect(sub);
  await waitFor(() => got.length >= 2, { timeoutMs: 10_000 });
  const byBody = new Map(got.map((m) => [m.payload.toString(), m]));
  t.is(byBody.get('from-http')?.topic, 'Cross/alerts');
  t.deepEqual(byBody.get('from-http')?.packet.properties?.userProperties, { site: 'berlin' });
  t.is(byBody.get('from-native')?.topic, 'Cross/metrics');
});

test('MQTT publisher → HTTP receive and a native PushConsumer: second level is the tag, the path a property', async (t) => {
  const { base, namesrvAddr, mqttUrl } = await broker(t);
  const got: ReceivedMessage[] = [];
  const consumer = new PushConsumer({ ...client, groupName: 'NativeMq', namesrvAddr });
  consumer.subscribe('Cross', 'alarms').onMessage((m) => void got.push(m));
  t.teardown(() => consumer.shutdown());
  await consumer.start();
  const pub = await connectClient(t, mqttUrl, { clientId: 'device-9', protocolVersion: 5 });
  await pub.publishAsync('Cross/alarms/boiler', 'overheat', { qos: 1, properties: { userProperties: { severity: 'high' }, contentType: 'text/plain' } });
  await pub.publishAsync('Cross/info/boiler', 'fine', { qos: 1 });
  await eventually(() => {
    if (got.length < 1) throw new Error('not consumed yet');
  }, { timeoutMs: 15_000 });
  t.is(got[0]!.body.toString(), 'overheat');
  t.is(got[0]!.tags, 'alarms');
  t.is(got[0]!.properties['MQTT_TOPIC'], 'Cross/alarms/boiler');
  t.is(got[0]!.properties['severity'], 'high');
  const received = await call<{ messages: { body: string; tag: string; properties: Record<string, string> }[] }>(base, 'POST', '/v1/groups/HttpMq/topics/Cross/receive', { max: 10, waitMs: 2000 });
  t.deepEqual(received.body.messages.map((m) => [m.body, m.tag, m.properties['MQTT_CONTENT_TYPE']]).sort(), [
    ['fine', 'info', undefined],
    ['overheat', 'alarms', 'text/plain'],
  ]);
});
