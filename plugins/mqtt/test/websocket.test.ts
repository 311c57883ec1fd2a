import test from 'ava';
import { WebSocket } from 'ws';
import { HTTP_DOOR } from '../../http/tokens.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { collect, connectClient, MQTT_LOAD, startMqttBroker } from './harness.js';

const WITH_HTTP = [...MQTT_LOAD.slice(0, -1), 'http', 'mqtt'];

test('MQTT over WebSocket at /mqtt on the HTTP port: mqtt.js (v5 and 3.1.1) talks to a TCP client', async (t) => {
  const b = await startMqttBroker(t, { load: WITH_HTTP, plugins: { http: { host: '127.0.0.1', port: 0 } } });
  const port = b.kernel.resolve(HTTP_DOOR).address()!.port;
  const wsUrl = `ws://127.0.0.1:${port}/mqtt`;
  const viaWs5 = await connectClient(t, wsUrl, { clientId: 'browser-5', protocolVersion: 5 });
  const viaWs4 = await connectClient(t, wsUrl, { clientId: 'browser-4', protocolVersion: 4 });
  await viaWs5.subscribeAsync('chat/#', { qos: 1 });
  await viaWs4.subscribeAsync('chat/#', { qos: 2 });
  const tcp = await connectClient(t, b.url, { clientId: 'tcp' });
  const fromTcp = collect(tcp);
  await tcp.subscribeAsync('chat/replies', { qos: 1 });
  await tcp.publishAsync('chat/room', 'hello from tcp', { qos: 1 });
  await waitFor(() => collect(viaWs5).length >= 1 && collect(viaWs4).length >= 1);
  t.is(collect(viaWs5)[0]!.payload.toString(), 'hello from tcp');
  t.is(collect(viaWs4)[0]!.payload.toString(), 'hello from tcp');
  await viaWs5.publishAsync('chat/replies', 'hello from ws', { qos: 1 });
  await waitFor(() => fromTcp.length >= 1);
  t.is(fromTcp[0]!.payload.toString(), 'hello from ws');
});

test('a WebSocket upgrade at /mqtt without the mqtt subprotocol is closed with 1002', async (t) => {
  const b = await startMqttBroker(t, { load: WITH_HTTP, plugins: { http: { host: '127.0.0.1', port: 0 } } });
  const port = b.kernel.resolve(HTTP_DOOR).address()!.port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/mqtt`);
  t.teardown(() => ws.terminate());
  const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
  t.is(code, 1002);
});
