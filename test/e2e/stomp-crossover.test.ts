import test, { type ExecutionContext } from 'ava';
import { HTTP_DOOR } from '../../plugins/http/tokens.js';
import { MQTT_DOOR } from '../../plugins/mqtt/tokens.js';
import { collect, connectClient } from '../../plugins/mqtt/test/harness.js';
import { stompjs, syncedJs } from '../../plugins/stomp/test/harness.js';
import { doorsBroker } from '../helpers/doors-broker.js';
import { waitFor } from '../helpers/wait.js';
import { call } from './http-helpers.js';

/** One broker with the HTTP, MQTT and STOMP doors on 127.0.0.1:0. */
async function broker(t: ExecutionContext): Promise<{ base: string; mqttUrl: string; stompUrl: string }> {
  const kernel = await doorsBroker(t, ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop', 'http', 'mqtt', 'stomp'], 'cometmq-stomp-crossover-');
  const http = kernel.resolve(HTTP_DOOR).address()!.port;
  return { base: `http://127.0.0.1:${http}`, mqttUrl: `mqtt://127.0.0.1:${kernel.resolve(MQTT_DOOR).address()!.port}`, stompUrl: `ws://127.0.0.1:${http}/stomp` };
}

test('STOMP SEND → MQTT subscriber and HTTP receive; MQTT publish and HTTP produce → STOMP subscriber', async (t) => {
  const { base, mqttUrl, stompUrl } = await broker(t);
  const mqtt = await connectClient(t, mqttUrl, { clientId: 'm', protocolVersion: 5 });
  await mqtt.subscribeAsync('Mixed/#', { qos: 1 });
  const stomp = await stompjs(t, stompUrl);
  const fromOthers: { body: string; tag: string | undefined }[] = [];
  stomp.subscribe('/topic/Mixed', (m) => fromOthers.push({ body: m.body, tag: m.headers['tag'] }));
  await syncedJs(stomp);

  stomp.publish({ destination: '/queue/Mixed', body: 'from-stomp', headers: { tag: 'alerts', site: 'oslo' } });
  await waitFor(() => collect(mqtt).length >= 1);
  t.is(collect(mqtt)[0]!.topic, 'Mixed/alerts');
  t.deepEqual(collect(mqtt)[0]!.packet.properties?.userProperties, { site: 'oslo' });
  const received = await call<{ messages: { body: string; tag: string }[] }>(base, 'POST', '/v1/groups/HttpMixed/topics/Mixed/receive', { max: 10, waitMs: 2000 });
  t.deepEqual(received.body.messages.map((m) => [m.body, m.tag]), [['from-stomp', 'alerts']]);

  await mqtt.publishAsync('Mixed/metrics/cpu', 'from-mqtt', { qos: 1 });
  await call(base, 'POST', '/v1/topics/Mixed/messages', { messages: [{ body: 'from-http', tag: 'audit' }] });
  await waitFor(() => fromOthers.length >= 3);
  // Different producers land on different queues of the topic: compare as a set.
  t.deepEqual(fromOthers.map((m) => [m.body, m.tag]).sort(), [
    ['from-http', 'audit'],
    ['from-mqtt', 'metrics'],
    ['from-stomp', 'alerts'],
  ]);
});
