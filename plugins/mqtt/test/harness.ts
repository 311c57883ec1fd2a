import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { generate, type Packet, parser as createParser } from 'mqtt-packet';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createKernel, type Kernel } from '../../../kernel/kernel.js';
import type { Messaging } from '../../../kernel/messaging/api.js';
import { MESSAGING } from '../../../kernel/tokens.js';
import { tempDir } from '../../../test/helpers/kernel-harness.js';
import { captureLogger, type LogCapture } from '../../../test/helpers/kernel-logs.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { MQTT_DOOR } from '../tokens.js';

/** The plugins the MQTT door needs (and nothing else). */
export const MQTT_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop', 'mqtt'] as const;

export interface MqttBrokerUnderTest {
  readonly kernel: Kernel;
  readonly messaging: Messaging;
  readonly logs: LogCapture;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  /** Resolves once the client's session has the filter subscribed (for clients whose output cannot be watched). */
  subscribed(clientId: string, filter: string): Promise<void>;
  /** Stop this kernel (graceful); the data dir stays for a restart. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data dir (a restart); default: a new temp dir removed at teardown. */
  readonly dataDir?: string;
  /** Extra config values merged over the defaults (e.g. `{ plugins: { mqtt: { maxRetained: 2 } } }`). */
  readonly plugins?: Record<string, Record<string, unknown>>;
  readonly load?: readonly string[];
}

/** A kernel with the MQTT door on 127.0.0.1:0 over a temp data dir; stopped at teardown. */
export async function startMqttBroker(t: ExecutionContext, options: StartOptions = {}): Promise<MqttBrokerUnderTest> {
  const dataDir = options.dataDir ?? (await tempDir(t, 'cometmq-mqtt-'));
  const logs = captureLogger();
  const plugins = options.plugins ?? {};
  const kernel = createKernel({
    logger: logs.logger,
    plugins: [],
    config: {
      defaults: { load: [] },
      values: { dataDir, load: [...(options.load ?? MQTT_LOAD)], plugins: { ...plugins, mqtt: { host: '127.0.0.1', port: 0, ...plugins.mqtt } } },
      env: {},
      flags: {},
      file: undefined,
      cwd: dataDir,
    },
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= kernel.stop('test').then(() => undefined));
  t.teardown(stop);
  await kernel.start();
  const door = kernel.resolve(MQTT_DOOR);
  const port = door.address()!.port;
  const subscribed = (clientId: string, filter: string): Promise<void> =>
    waitFor(() => door.session(clientId)?.connected === true && door.session(clientId)!.subscriptions.includes(filter), { timeoutMs: 10_000, message: `${clientId} subscribed to ${filter}` });
  return { kernel, messaging: kernel.resolve(MESSAGING), logs, port, url: `mqtt://127.0.0.1:${port}`, dataDir, subscribed, stop };
}

const collected = new WeakMap<MqttClient, Received[]>();

/**
 * An mqtt.js client connected (CONNACK received), ended at teardown. Messages are collected from the
 * start (a resumed session's deliveries arrive in the same read as CONNACK): see collect().
 */
export async function connectClient(t: ExecutionContext, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  const out: Received[] = [];
  client.on('message', (topic, payload, packet) => out.push({ topic, payload, packet }));
  collected.set(client, out);
  t.teardown(() => new Promise<void>((resolve) => client.end(true, {}, () => resolve())));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly packet: mqtt.IPublishPacket;
}

/** Every message the client (from connectClient) has received, in order; the array keeps growing. */
export function collect(client: MqttClient): Received[] {
  const out = collected.get(client);
  if (out === undefined) throw new Error('collect() works on clients made by connectClient()');
  return out;
}

/** A raw TCP MQTT peer: send packets or bytes, read parsed packets, see when the server closes. */
export async function rawPeer(t: ExecutionContext, port: number, protocolVersion: 4 | 5 = 4) {
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const parser = createParser({ protocolVersion });
  const packets: Packet[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  socket.on('data', (d: Buffer) => parser.parse(d));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    packets,
    closed,
    send: (p: Packet) => socket.write(generate(p, { protocolVersion })),
    write: (b: Buffer) => socket.write(b),
    end: () => socket.end(),
    connect: (extra: Partial<Extract<Packet, { cmd: 'connect' }>> = {}) =>
      socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId: 'raw', clean: true, keepalive: 30, ...extra }, { protocolVersion })),
  };
}

