/**
 * Multi-process cluster fixtures: real `cometmq namesrv` / `cometmq broker` / `cometmq start`
 * child processes on 127.0.0.1, short timings through `--set`, and name-server route probes.
 * Every process started here is SIGKILLed (and its data dir removed) in t.teardown.
 */
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { RequestCode, ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import { createRemotingClient } from '../../kernel/protocol/remoting/client.js';
import { parseTopicRouteData, type TopicRouteData } from '../../kernel/protocol/remoting/route.js';
import type { RemotingClient } from '../../kernel/protocol/remoting/transport.js';
import { spawnCli, type CliChild } from './kernel-cli.js';
import { eventually } from './wait.js';

/** Short timings for every cluster test (production defaults: 30 s / 120 s / 10 s). */
export const CLUSTER_TIMINGS = {
  registerIntervalMs: 500,
  brokerExpiryMs: 2500,
  scanIntervalMs: 250,
  delayLevels: '100ms 200ms 300ms 400ms 500ms 600ms 700ms 800ms 900ms 1s 1s 1s 1s 1s 1s 1s 1s 1s',
} as const;

const START_TIMEOUT_MS = 20_000;

export interface ClusterProcess {
  readonly cli: CliChild;
  readonly pid: number;
  /** Send a signal (SIGKILL / SIGSTOP / SIGCONT); no-op once exited. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  alive(): boolean;
}

export interface NameServerProcess extends ClusterProcess {
  /** `127.0.0.1:port` */
  readonly addr: string;
}

export interface BrokerProcess extends ClusterProcess {
  readonly brokerName: string;
  /** `127.0.0.1:port` of the native door (also its advertised store host). */
  readonly addr: string;
  readonly port: number;
  readonly dataDir: string;
}

/** A free loopback port (bound then released; the broker binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function wrap(t: ExecutionContext, cli: CliChild): ClusterProcess {
  let exited = false;
  void cli.exited.then(() => (exited = true));
  const pid = cli.child.pid ?? -1;
  const proc: ClusterProcess = {
    cli,
    pid,
    alive: () => !exited,
    signal(sig) {
      if (!exited) cli.child.kill(sig);
    },
    async kill() {
      if (!exited) cli.child.kill('SIGKILL');
      await cli.exited;
    },
  };
  t.teardown(() => proc.kill());
  return proc;
}

const set = (key: string, value: string | number): string[] => ['--set', `${key}=${String(value)}`];

/** `cometmq namesrv` on 127.0.0.1:0 with short expiry timings. */
export async function startNameServer(t: ExecutionContext): Promise<NameServerProcess> {
  const dataDir = await tempDir(t, 'cometmq-ns-');
  const cli = spawnCli([
    'namesrv',
    '--data-dir', dataDir,
    ...set('plugins.namesrv.host', '127.0.0.1'),
    ...set('plugins.namesrv.port', 0),
    ...set('plugins.namesrv.brokerExpiryMs', CLUSTER_TIMINGS.brokerExpiryMs),
    ...set('plugins.namesrv.scanIntervalMs', CLUSTER_TIMINGS.scanIntervalMs),
  ]);
  const proc = wrap(t, cli);
  const line = await cli.waitForLine(/door namesrv listening on tcp:\/\/\S+/, START_TIMEOUT_MS);
  const addr = /tcp:\/\/(\S+)/.exec(line)?.[1] ?? '';
  return { ...proc, addr };
}

export interface BrokerOptions {
  readonly brokerName: string;
  readonly namesrv: readonly string[];
  /** Reuse a data dir (restart after a kill) and port. */
  readonly dataDir?: string;
  readonly port?: number;
  readonly extra?: readonly string[];
}

function brokerFlags(port: number, extra: readonly string[] = []): string[] {
  return [
    ...set('plugins.remoting.host', '127.0.0.1'),
    ...set('plugins.remoting.port', port),
    // msgIds embed the store host: it must be the door's real address (rocketmq-protocol.md §3.4).
    ...set('advertisedHost', '127.0.0.1'),
    ...set('advertisedPort', port),
    ...set('plugins.messaging.delayLevels', CLUSTER_TIMINGS.delayLevels),
    ...set('plugins.remoting.suspendMaxMs', 2000),
    // The broker role loads the HTTP door too: a free loopback port, never 8080.
    ...set('plugins.http.host', '127.0.0.1'),
    ...set('plugins.http.port', 0),
    ...set('plugins.mqtt.host', '127.0.0.1'),
    ...set('plugins.mqtt.port', 0),
    ...set('plugins.stomp.host', '127.0.0.1'),
    ...set('plugins.stomp.port', 0),
    ...extra,
  ];
}

/** `cometmq broker --namesrv 'a;b'` on a fresh loopback port; resolves once `cometmq ready`. */
export async function startBroker(t: ExecutionContext, options: BrokerOptions): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? (await tempDir(t, `cometmq-${options.brokerName}-`));
  const port = options.port ?? (await freePort());
  const cli = spawnCli([
    'broker',
    '--data-dir', dataDir,
    '--namesrv', options.namesrv.join(';'),
    ...set('brokerName', options.brokerName),
    ...set('plugins.broker-registration.registerIntervalMs', CLUSTER_TIMINGS.registerIntervalMs),
    ...set('plugins.broker-registration.registerTimeoutMs', 1000),
    ...brokerFlags(port, options.extra),
  ]);
  const proc = wrap(t, cli);
  await cli.waitForLine(/^cometmq ready/, START_TIMEOUT_MS);
  return { ...proc, brokerName: options.brokerName, addr: `127.0.0.1:${port}`, port, dataDir };
}

/** `cometmq start` (broker + embedded name server in one process). */
export async function startStandalone(t: ExecutionContext): Promise<BrokerProcess & { readonly namesrvAddr: string }> {
  const dataDir = await tempDir(t, 'cometmq-start-');
  const port = await freePort();
  const cli = spawnCli([
    'start',
    '--data-dir', dataDir,
    ...set('brokerName', 'broker-s'),
    ...set('plugins.namesrv.host', '127.0.0.1'),
    ...set('plugins.namesrv.port', 0),
    ...brokerFlags(port),
  ]);
  const proc = wrap(t, cli);
  const line = await cli.waitForLine(/door namesrv listening on tcp:\/\/\S+/, START_TIMEOUT_MS);
  await cli.waitForLine(/^cometmq ready/, START_TIMEOUT_MS);
  const namesrvAddr = /tcp:\/\/(\S+)/.exec(line)?.[1] ?? '';
  return { ...proc, brokerName: 'broker-s', addr: `127.0.0.1:${port}`, port, dataDir, namesrvAddr };
}

/** A remoting client for admin calls and route probes, closed in teardown. */
export function adminClient(t: ExecutionContext): RemotingClient {
  const client = createRemotingClient({ requestTimeoutMs: 2000, connectTimeoutMs: 1000 }, pino({ level: 'silent' }));
  t.teardown(() => client.close());
  return client;
}

/** 17 UPDATE_AND_CREATE_TOPIC on one broker. */
export async function createTopic(client: RemotingClient, brokerAddr: string, topic: string, queues = 4): Promise<void> {
  const r = await client.invoke(brokerAddr, {
    code: RequestCode.UPDATE_AND_CREATE_TOPIC,
    extFields: { topic, defaultTopic: 'TBW102', readQueueNums: queues, writeQueueNums: queues, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false },
  });
  if (r.code !== ResponseCode.SUCCESS) throw new Error(`create topic ${topic} on ${brokerAddr}: ${r.code} ${r.remark ?? ''}`);
}

/** The name server's route of `topic`, or undefined when it has none (TOPIC_NOT_EXIST). */
export async function routeOf(client: RemotingClient, namesrvAddr: string, topic: string): Promise<TopicRouteData | undefined> {
  const r = await client.invoke(namesrvAddr, { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic } });
  if (r.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
  if (r.code !== ResponseCode.SUCCESS) throw new Error(`route of ${topic} from ${namesrvAddr}: ${r.code} ${r.remark ?? ''}`);
  return parseTopicRouteData(r.body);
}

/** Names of the brokers in a route (sorted). */
export const routeBrokers = (route: TopicRouteData | undefined): string[] => (route?.brokerDatas ?? []).map((b) => b.brokerName).sort();

/** Poll every name server until its route of `topic` lists exactly `brokers` (bounded). */
export async function waitForRoute(client: RemotingClient, namesrvs: readonly string[], topic: string, brokers: readonly string[], timeoutMs = 10_000): Promise<void> {
  const want = [...brokers].sort().join(',');
  for (const ns of namesrvs) {
    await eventually(async () => {
      const got = routeBrokers(await routeOf(client, ns, topic)).join(',');
      if (got !== want) throw new Error(`route of ${topic} on ${ns}: [${got}], want [${want}]`);
    }, { timeoutMs, intervalMs: 50, message: `route of ${topic}` });
  }
}

export interface RoutedCluster {
  readonly nameServers: readonly NameServerProcess[];
  readonly namesrvs: readonly string[];
  /** broker-a, broker-b, … in that order. */
  readonly brokers: readonly BrokerProcess[];
  readonly admin: RemotingClient;
}

/**
 * Two name servers and `brokerCount` brokers (`broker-a`, `broker-b`, …) registered with both, with
 * `topic` created on every broker (`queues` each) and routed by both name servers.
 */
export async function routedCluster(t: ExecutionContext, topic: string, options: { brokerCount?: number; queues?: number } = {}): Promise<RoutedCluster> {
  const nameServers = await Promise.all([startNameServer(t), startNameServer(t)]);
  const namesrvs = nameServers.map((ns) => ns.addr);
  const names = Array.from({ length: options.brokerCount ?? 2 }, (_, i) => `broker-${String.fromCharCode(97 + i)}`);
  const brokers = await Promise.all(names.map((brokerName) => startBroker(t, { brokerName, namesrv: namesrvs })));
  const admin = adminClient(t);
  for (const broker of brokers) await createTopic(admin, broker.addr, topic, options.queues ?? 2);
  await waitForRoute(admin, namesrvs, topic, names);
  return { nameServers, namesrvs, brokers, admin };
}
