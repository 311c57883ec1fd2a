import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { CometError, isCometError } from '../kernel/errors.js';
import { RequestCode, ResponseCode } from '../kernel/protocol/remoting/codes.js';
import type { RemotingCommand, RequestInit } from '../kernel/protocol/remoting/command.js';
import type { RemotingClient, RemotingClientOptions } from '../kernel/protocol/remoting/transport.js';
import { resolveNamesrvAddrs } from '../kernel/protocol/remoting/namesrv-address.js';
import { parseTopicRouteData, type TopicRouteData } from '../kernel/protocol/remoting/route.js';
import { createSdkRemotingClient } from './remoting.js';
import { errorText, expectCode } from './remote.js';
import type { ClientOptions, SdkLogger } from './types.js';

/** One consumer group's entry in HeartbeatData (§2.3). */
export interface ConsumerData {
  readonly groupName: string;
  readonly consumeType: 'CONSUME_PASSIVELY' | 'CONSUME_ACTIVELY';
  readonly messageModel: 'CLUSTERING' | 'BROADCASTING';
  readonly consumeFromWhere: string;
  readonly subscriptionDataSet: readonly {
    topic: string;
    subString: string;
    classFilterMode: boolean;
    tagsSet: string[];
    codeSet: number[];
    subVersion: number;
  }[];
  readonly unitMode: boolean;
}

export interface CoreRole {
  readonly producerGroup?: string;
  consumerData?(): ConsumerData;
  /** NOTIFY_CONSUMER_IDS_CHANGED (40) arrived for this client. */
  onConsumerIdsChanged?(group: string): void;
}

/** Internal seams (tests): a remoting client (or a factory wrapping the real one) and the environment. */
export interface CoreDeps {
  readonly remoting?: RemotingClient;
  /** Build the transport from the SDK's options (server requests included), e.g. to wrap it. */
  readonly remotingFactory?: (options: RemotingClientOptions, logger: SdkLogger | undefined) => RemotingClient;
  readonly env?: NodeJS.ProcessEnv;
}

const NOOP_LOGGER: SdkLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function defaultClientIP(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export const uniqueInstanceName = (): string => `${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * What producers and consumers share: the remoting client, name server lookups (round robin with
 * failover: one name server down changes nothing), the route cache refreshed every 30 s, broker
 * addresses and the 30 s heartbeat (HEART_BEAT, §2.3).
 */
export class ClientCore {
  readonly clientId: string;
  readonly logger: SdkLogger;
  readonly requestTimeoutMs: number;
  readonly remoting: RemotingClient;
  #namesrv: string[] = [];
  #nsIndex = 0;
  readonly #routes = new Map<string, TopicRouteData>();
  readonly #watched = new Set<string>();
  /** brokerName → brokerId → address. */
  readonly #brokers = new Map<string, Readonly<Record<string, string>>>();
  readonly #timers: NodeJS.Timeout[] = [];
  #state: 'new' | 'running' | 'stopped' = 'new';

  constructor(
    private readonly options: ClientOptions,
    private readonly role: CoreRole,
    defaultInstance: string,
    private readonly deps: CoreDeps = {},
  ) {
    this.clientId = `${options.clientIP ?? defaultClientIP()}@${options.instanceName ?? defaultInstance}`;
    this.logger = options.logger ?? NOOP_LOGGER;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 3000;
    const transport: RemotingClientOptions = { requestTimeoutMs: this.requestTimeoutMs, onServerRequest: (addr, req) => this.#onServerRequest(addr, req) };
    this.remoting = deps.remoting ?? (deps.remotingFactory ?? createSdkRemotingClient)(transport, options.logger);
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  assertRunning(): void {
    if (this.#state !== 'running') throw new CometError('SDK_NOT_STARTED', `client ${this.clientId} is ${this.#state === 'new' ? 'not started' : 'shut down'}`);
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new CometError('SDK_NOT_STARTED', `client ${this.clientId} cannot start twice`);
    const { addrs } = await resolveNamesrvAddrs({
      ...(this.options.namesrvAddr === undefined ? {} : { namesrvAddr: this.options.namesrvAddr }),
      ...(this.options.namesrvHttpUrl === undefined ? {} : { endpoint: this.options.namesrvHttpUrl }),
      env: this.deps.env ?? process.env,
      timeoutMs: this.requestTimeoutMs,
    });
    this.#namesrv = addrs;
    this.#nsIndex = Math.floor(Math.random() * this.#namesrv.length);
    this.#state = 'running';
    this.#every(this.options.pollNameServerIntervalMs ?? 30000, () => this.refreshRoutes());
    this.#every(this.options.heartbeatIntervalMs ?? 30000, () => this.heartbeat());
  }

  #every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((e: unknown) => this.logger.warn({ err: errorText(e) }, 'periodic task failed'));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Unregister from every broker (UNREGISTER_CLIENT 35, §2.11), stop timers and close sockets. */
  async shutdown(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopped';
    for (const t of this.#timers) clearInterval(t);
    if (wasRunning) {
      const consumerGroup = this.role.consumerData?.().groupName;
      const ext = { clientID: this.clientId, producerGroup: this.role.producerGroup, consumerGroup };
      await Promise.allSettled(
        this.allBrokerAddrs().map((addr) => this.remoting.invoke(addr, { code: RequestCode.UNREGISTER_CLIENT, extFields: ext }, this.requestTimeoutMs)),
      );
    }
    await this.remoting.close();
  }

  /** Keep this topic's route fresh (refreshed every pollNameServerIntervalMs). */
  watch(topic: string): void {
    this.#watched.add(topic);
  }

  cachedRoute(topic: string): TopicRouteData | undefined {
    return this.#routes.get(topic);
  }

  /** The route of `topic` (cached unless `refresh`); throws SDK_ROUTE_NOT_FOUND / SDK_NAMESRV_UNAVAILABLE. */
  async route(topic: string, refresh = false): Promise<TopicRouteData> {
    this.watch(topic);
    const cached = this.#routes.get(topic);
    if (cached !== undefined && !refresh) return cached;
    const resp = await this.invokeNamesrv({ code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic } });
    if (resp.code === ResponseCode.TOPIC_NOT_EXIST) {
      throw new CometError('SDK_ROUTE_NOT_FOUND', `no route for topic ${topic}${resp.remark === undefined ? '' : `: ${resp.remark}`}`);
    }
    const route = parseTopicRouteData(expectCode(resp, [ResponseCode.SUCCESS], `route of ${topic}`).body);
    const fresh = route.brokerDatas.some((b) => !this.#brokers.has(b.brokerName));
    for (const b of route.brokerDatas) this.#brokers.set(b.brokerName, b.brokerAddrs);
    this.#routes.set(topic, route);
    if (fresh && this.#state === 'running') this.heartbeat().catch((e: unknown) => this.logger.warn({ err: errorText(e) }, 'heartbeat failed'));
    return route;
  }

  async refreshRoutes(): Promise<void> {
    await Promise.allSettled([...this.#watched].map((t) => this.route(t, true)));
  }

  /** Ask the name servers in turn (round robin start); a down one is skipped; 17 from one → try the others. */
  async invokeNamesrv(req: Omit<RequestInit, 'opaque'>): Promise<RemotingCommand> {
    let last: RemotingCommand | undefined;
    let lastError: unknown;
    for (let i = 0; i < this.#namesrv.length; i++) {
      const addr = this.#namesrv[(this.#nsIndex + i) % this.#namesrv.length]!;
      try {
        const resp = await this.remoting.invoke(addr, req, this.requestTimeoutMs);
        if (resp.code === ResponseCode.SUCCESS) {
          this.#nsIndex = (this.#nsIndex + i + 1) % this.#namesrv.length;
          return resp;
        }
        last = resp;
      } catch (e) {
        lastError = e;
        this.logger.debug({ addr, err: errorText(e) }, 'name server request failed');
      }
    }
    if (last !== undefined) return last;
    throw new CometError('SDK_NAMESRV_UNAVAILABLE', `no name server answered (${this.#namesrv.join(';')}): ${errorText(lastError)}`, { cause: lastError });
  }

  masterAddr(brokerName: string): string | undefined {
    return this.#brokers.get(brokerName)?.['0'];
  }

  /** Master address, else any slave. */
  brokerAddr(brokerName: string): string | undefined {
    const addrs = this.#brokers.get(brokerName);
    if (addrs === undefined) return undefined;
    return addrs['0'] ?? Object.values(addrs)[0];
  }

  /** Master address of `brokerName`, refreshing `topic`'s route once when unknown. */
  async findMaster(brokerName: string, topic: string): Promise<string> {
    let addr = this.masterAddr(brokerName);
    if (addr === undefined) {
      await this.route(topic, true).catch(() => undefined);
      addr = this.masterAddr(brokerName);
    }
    if (addr === undefined) throw new CometError('SDK_ROUTE_NOT_FOUND', `broker ${brokerName} has no master address`);
    return addr;
  }

  allBrokerAddrs(): string[] {
    return [...new Set([...this.#brokers.values()].flatMap((a) => Object.values(a)))];
  }

  heartbeatBody(): Buffer {
    const consumer = this.role.consumerData?.();
    const data = {
      clientID: this.clientId,
      consumerDataSet: consumer === undefined ? [] : [consumer],
      producerDataSet: this.role.producerGroup === undefined ? [] : [{ groupName: this.role.producerGroup }],
    };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }

  /** HEART_BEAT to every known broker; failures are logged, never thrown. */
  async heartbeat(): Promise<void> {
    if (this.#state !== 'running') return;
    const body = this.heartbeatBody();
    const results = await Promise.allSettled(
      this.allBrokerAddrs().map(async (addr) =>
        expectCode(await this.remoting.invoke(addr, { code: RequestCode.HEART_BEAT, body }, this.requestTimeoutMs), [ResponseCode.SUCCESS], `heartbeat to ${addr}`),
      ),
    );
    for (const r of results) if (r.status === 'rejected') this.logger.warn({ err: errorText(r.reason) }, 'heartbeat failed');
  }

  #onServerRequest(addr: string, req: RemotingCommand): void {
    if (req.code === RequestCode.NOTIFY_CONSUMER_IDS_CHANGED) {
      const group = req.extFields.consumerGroup ?? '';
      this.logger.debug({ addr, group }, 'consumer ids changed');
      this.role.onConsumerIdsChanged?.(group);
    }
  }
}

export const isTransportError = (e: unknown): boolean => isCometError(e, 'REMOTING_TIMEOUT') || isCometError(e, 'REMOTING_CONNECT_FAILED');
