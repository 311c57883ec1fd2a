import { execFile, spawn } from 'node:child_process';
import test, { type ExecutionContext } from 'ava';
import { ensureDebianFile } from '../../../test/helpers/debian.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { collect, connectClient, type MqttBrokerUnderTest, startMqttBroker } from './harness.js';

/**
 * The Mosquitto project's command-line clients (Debian `mosquitto-clients`, installed when missing)
 * against the MQTT door: a real client implementation no one here wrote.
 */
const tools = async (): Promise<{ pub: string; sub: string }> => ({
  pub: await ensureDebianFile('mosquitto-clients', ['/usr/bin/mosquitto_pub']),
  sub: await ensureDebianFile('mosquitto-clients', ['/usr/bin/mosquitto_sub']),
});

function mosquittoPub(bin: string, port: number, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20_000 }, (e, _out, err) => (e ? reject(new Error(`mosquitto_pub ${args.join(' ')}: ${e.message} ${err}`)) : resolve()));
  });
}

interface MosquittoSub {
  /** Every line, once it exits (rejects when it exits non-zero, e.g. 27 on its -W timeout). */
  readonly lines: Promise<string[]>;
  /** The lines printed so far. */
  seen(): string[];
  kill(): void;
}

/**
 * mosquitto_sub until it has printed `count` messages (-C) or 20 s passed (-W); resolves with its
 * lines. Readiness (SUBACK) is read off the broker.
 */
async function mosquittoSub(t: ExecutionContext, b: MqttBrokerUnderTest, bin: string, clientId: string, filter: string, args: readonly string[]): Promise<MosquittoSub> {
  // stdbuf (coreutils) makes its stdout line-buffered, so lines can be watched as they come.
  const child = spawn('stdbuf', ['-oL', bin, '-h', '127.0.0.1', '-p', String(b.port), '-W', '20', '-i', clientId, '-t', filter, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const lines = new Promise<string[]>((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(out.split('\n').filter((l) => l.length > 0)) : reject(new Error(`mosquitto_sub exited ${code}: ${err}\n${out}`))));
  });
  lines.catch(() => undefined);
  await Promise.race([b.subscribed(clientId, filter), lines]);
  // Wrapped: an async function returning the promise itself would wait for the process to exit.
  return { lines, seen: () => out.split('\n').filter((l) => l.length > 0), kill: () => void child.kill('SIGKILL') };
}

for (const version of ['mqttv311', 'mqttv5'] as const) {
  test(`mosquitto_pub (${version}) QoS 0/1/2 → mqtt.js subscriber`, async (t) => {
    const { pub } = await tools();
    const b = await startMqttBroker(t);
    const sub = await connectClient(t, b.url, { clientId: 'js-sub' });
    await sub.subscribeAsync('mosq/#', { qos: 2 });
    for (const qos of ['0', '1', '2']) await mosquittoPub(pub, b.port, ['-V', version, '-t', `mosq/q${qos}`, '-m', `hello-${qos}`, '-q', qos]);
    await waitFor(() => collect(sub).length >= 3, { timeoutMs: 10_000 });
    t.deepEqual(collect(sub).map((m) => [m.topic, m.payload.toString()]).sort(), [
      ['mosq/q0', 'hello-0'],
      ['mosq/q1', 'hello-1'],
      ['mosq/q2', 'hello-2'],
    ]);
  });

  test(`mqtt.js publisher → mosquitto_sub (${version}) with a wildcard, QoS 2, and a retained message first`, async (t) => {
    const { sub: subBin } = await tools();
    const b = await startMqttBroker(t);
    const pub = await connectClient(t, b.url, { clientId: 'js-pub' });
    await pub.publishAsync('room/1/temp', 'retained-21', { qos: 1, retain: true });
    const { lines } = await mosquittoSub(t, b, subBin, `mosq-${version}`, 'room/+/temp', ['-V', version, '-q', '2', '-C', '3', '-v']);
    await pub.publishAsync('room/2/temp', 'live-19', { qos: 2 });
    await pub.publishAsync('room/2/humidity', 'not-matched', { qos: 1 });
    await pub.publishAsync('room/3/temp', 'live-18', { qos: 0 });
    t.deepEqual(await lines, ['room/1/temp retained-21', 'room/2/temp live-19', 'room/3/temp live-18']);
  });
}

test('mosquitto_sub persistent session (-c): messages published while it is away arrive when it returns', async (t) => {
  const { pub, sub } = await tools();
  const b = await startMqttBroker(t);
  // Subscribe with a persistent session and leave after the first message.
  const { lines: first } = await mosquittoSub(t, b, sub, 'mosq-persist', 'queue/#', ['-c', '-q', '1', '-C', '1']);
  await mosquittoPub(pub, b.port, ['-t', 'queue/a', '-m', 'm0', '-q', '1']);
  t.deepEqual(await first, ['m0']);
  for (const m of ['m1', 'm2', 'm3']) await mosquittoPub(pub, b.port, ['-t', 'queue/a', '-m', m, '-q', '1']);
  const { lines: again } = await mosquittoSub(t, b, sub, 'mosq-persist', 'queue/#', ['-c', '-q', '1', '-C', '3']);
  t.deepEqual(await again, ['m1', 'm2', 'm3']);
});

test('mosquitto_sub persistent session across a broker restart', async (t) => {
  const { pub, sub } = await tools();
  const b1 = await startMqttBroker(t);
  const { lines: first } = await mosquittoSub(t, b1, sub, 'mosq-restart', 'plant/#', ['-c', '-q', '1', '-C', '1']);
  await mosquittoPub(pub, b1.port, ['-t', 'plant/x', '-m', 'before', '-q', '1']);
  t.deepEqual(await first, ['before']);
  await mosquittoPub(pub, b1.port, ['-t', 'plant/x', '-m', 'while-away', '-q', '1']);
  await b1.stop();
  const b2 = await startMqttBroker(t, { dataDir: b1.dataDir });
  const { lines: again } = await mosquittoSub(t, b2, sub, 'mosq-restart', 'plant/#', ['-c', '-q', '1', '-C', '1']);
  t.deepEqual(await again, ['while-away']);
});

test('mosquitto_sub shared subscriptions ($share): each message to one member; a killed member\'s will is published', async (t) => {
  const { pub, sub } = await tools();
  const b = await startMqttBroker(t);
  const watcher = await connectClient(t, b.url, { clientId: 'watch' });
  await watcher.subscribeAsync('wills/#', { qos: 1 });
  const n = 20;
  const will = ['--will-topic', 'wills/share-a', '--will-payload', 'a-died', '--will-qos', '1'];
  const a = await mosquittoSub(t, b, sub, 'share-a', '$share/grp/jobs/#', ['-V', 'mqttv5', '-q', '1', ...will]);
  const c = await mosquittoSub(t, b, sub, 'share-c', '$share/grp/jobs/#', ['-V', 'mqttv5', '-q', '1']);
  for (let i = 0; i < n; i++) await mosquittoPub(pub, b.port, ['-t', `jobs/${i % 4}`, '-m', `job${i}`, '-q', '1']);
  await waitFor(() => a.seen().length + c.seen().length >= n, { timeoutMs: 15_000 });
  const all = [...a.seen(), ...c.seen()];
  t.is(all.length, n);
  t.is(new Set(all).size, n, 'no message delivered twice');
  t.true(a.seen().length > 0 && c.seen().length > 0, 'both members got some');
  a.kill();
  await waitFor(() => collect(watcher).length >= 1, { timeoutMs: 15_000 });
  t.is(collect(watcher)[0]!.payload.toString(), 'a-died');
  c.kill();
});
