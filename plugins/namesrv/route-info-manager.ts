import {
  MASTER_ID,
  SCHEDULE_TOPIC,
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  type QueueData,
  type RegisterBrokerResult,
  type TopicConfigWire,
  type TopicRouteData,
} from '../../kernel/protocol/remoting/route.js';

/**
 * The name server's tables (RocketMQ 4.9 RouteInfoManager), as pure logic: no I/O, time passed in.
 * topic → brokerName → QueueData; brokerName → BrokerData (brokerId → addr); cluster → brokerNames;
 * brokerAddr → live info (last registration, data version, connection).
 */

export interface BrokerRegistration {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerAddr: string;
  /** 0 = master, > 0 = slave. */
  readonly brokerId: number;
  readonly haServerAddr: string;
  /** The broker's full topic table; only a master's is applied. */
  readonly topics?: readonly TopicConfigWire[];
  readonly dataVersion?: DataVersion;
  readonly filterServerList?: readonly string[];
  /** The connection it came over: closing it removes the broker. */
  readonly connectionId?: string;
}

export interface BrokerUnregistration {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly brokerAddr: string;
  readonly brokerId: number;
}

interface LiveInfo {
  lastUpdate: number;
  dataVersion: DataVersion | undefined;
  haServerAddr: string;
  connectionId: string | undefined;
}

interface MutableBrokerData {
  cluster: string;
  brokerName: string;
  addrs: Map<number, string>;
}

const sameVersion = (a: DataVersion | undefined, b: DataVersion | undefined): boolean =>
  a !== undefined && b !== undefined && a.timestamp === b.timestamp && a.counter === b.counter;

export class RouteInfoManager {
  readonly #topics = new Map<string, Map<string, QueueData>>();
  readonly #brokers = new Map<string, MutableBrokerData>();
  readonly #clusters = new Map<string, Set<string>>();
  readonly #live = new Map<string, LiveInfo>();
  readonly #filterServers = new Map<string, string[]>();

  /**
   * Register or refresh a broker (Java registerBroker). A master's topic table replaces this
   * broker's queue data when the data version changed or on first registration; topics it no
   * longer lists lose this broker (Java 5 `deleteTopicWithBrokerRegistration`). Returns the
   * master's addresses for a slave.
   */
  registerBroker(reg: BrokerRegistration, now: number): RegisterBrokerResult {
    this.#clusterSet(reg.clusterName).add(reg.brokerName);
    let broker = this.#brokers.get(reg.brokerName);
    if (!broker) {
      broker = { cluster: reg.clusterName, brokerName: reg.brokerName, addrs: new Map() };
      this.#brokers.set(reg.brokerName, broker);
    }
    broker.cluster = reg.clusterName;
    // One address holds one id: a slave promoted to master drops its old entry (Java does the same).
    for (const [id, addr] of broker.addrs) if (addr === reg.brokerAddr && id !== reg.brokerId) broker.addrs.delete(id);
    const firstForId = broker.addrs.get(reg.brokerId) !== reg.brokerAddr;
    broker.addrs.set(reg.brokerId, reg.brokerAddr);

    const prev = this.#live.get(reg.brokerAddr);
    if (reg.topics !== undefined && reg.brokerId === MASTER_ID && (firstForId || !prev || !sameVersion(prev.dataVersion, reg.dataVersion))) {
      this.#applyTopics(reg.brokerName, reg.topics);
    }
    this.#live.set(reg.brokerAddr, { lastUpdate: now, dataVersion: reg.dataVersion, haServerAddr: reg.haServerAddr, connectionId: reg.connectionId });
    if (reg.filterServerList !== undefined) {
      if (reg.filterServerList.length === 0) this.#filterServers.delete(reg.brokerAddr);
      else this.#filterServers.set(reg.brokerAddr, [...reg.filterServerList]);
    }
    if (reg.brokerId === MASTER_ID) return {};
    const masterAddr = broker.addrs.get(MASTER_ID);
    if (masterAddr === undefined) return {};
    const haServerAddr = this.#live.get(masterAddr)?.haServerAddr;
    return { masterAddr, ...(haServerAddr ? { haServerAddr } : {}) };
  }

  /** Java unregisterBroker: drop the id; queue data goes only when the broker name has no address left. */
  unregisterBroker(req: BrokerUnregistration): boolean {
    const live = this.#live.delete(req.brokerAddr);
    this.#filterServers.delete(req.brokerAddr);
    const broker = this.#brokers.get(req.brokerName);
    let removedId = false;
    if (broker && broker.addrs.get(req.brokerId) === req.brokerAddr) {
      broker.addrs.delete(req.brokerId);
      removedId = true;
    }
    if (broker && broker.addrs.size === 0) this.#removeBrokerName(req.brokerName);
    return live || removedId;
  }

  /**
   * Remove every trace of a broker address (Java onChannelDestroy): expiry and connection close.
   * Returns true when something was removed.
   */
  removeBrokerAddr(brokerAddr: string): boolean {
    const had = this.#live.delete(brokerAddr);
    this.#filterServers.delete(brokerAddr);
    let found = false;
    for (const broker of [...this.#brokers.values()]) {
      for (const [id, addr] of broker.addrs) {
        if (addr !== brokerAddr) continue;
        broker.addrs.delete(id);
        found = true;
      }
      if (broker.addrs.size === 0) this.#removeBrokerName(broker.brokerName);
    }
    return had || found;
  }

  /** Brokers registered over this connection are removed (Java removes a broker whose channel closes). */
  onConnectionClosed(connectionId: string): string[] {
    const addrs = [...this.#live].filter(([, info]) => info.connectionId === connectionId).map(([addr]) => addr);
    for (const addr of addrs) this.removeBrokerAddr(addr);
    return addrs;
  }

  /** Remove brokers whose last registration is older than `expiryMs`; returns their addresses. */
  evictExpired(now: number, expiryMs: number): string[] {
    const expired = [...this.#live].filter(([, info]) => info.lastUpdate + expiryMs < now).map(([addr]) => addr);
    for (const addr of expired) this.removeBrokerAddr(addr);
    return expired;
  }

  /** Java pickupTopicRouteData: undefined unless the topic has queue data and at least one broker. */
  pickupTopicRouteData(topic: string): TopicRouteData | undefined {
    if (topic === SCHEDULE_TOPIC) return undefined;
    const queues = this.#topics.get(topic);
    if (!queues || queues.size === 0) return undefined;
    const brokerDatas: BrokerData[] = [];
    const filterServerTable: Record<string, string[]> = {};
    for (const brokerName of queues.keys()) {
      const broker = this.#brokers.get(brokerName);
      if (!broker) continue;
      brokerDatas.push(toBrokerData(broker));
      for (const addr of broker.addrs.values()) {
        const servers = this.#filterServers.get(addr);
        if (servers) filterServerTable[addr] = [...servers];
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return { orderTopicConf: null, queueDatas: [...queues.values()].map((q) => ({ ...q })), brokerDatas, filterServerTable };
  }

  clusterInfo(): ClusterInfo {
    const brokerAddrTable: Record<string, BrokerData> = {};
    for (const [name, broker] of this.#brokers) brokerAddrTable[name] = toBrokerData(broker);
    const clusterAddrTable: Record<string, string[]> = {};
    for (const [cluster, names] of this.#clusters) clusterAddrTable[cluster] = [...names];
    return { brokerAddrTable, clusterAddrTable };
  }

  topicList(): string[] {
    return [...this.#topics.keys()].filter((t) => t !== SCHEDULE_TOPIC);
  }

  /** DELETE_TOPIC_IN_NAMESRV; with `clusterName`, only that cluster's brokers lose the topic (Java 5). */
  deleteTopic(topic: string, clusterName?: string): boolean {
    const queues = this.#topics.get(topic);
    if (!queues) return false;
    if (clusterName === undefined) return this.#topics.delete(topic);
    const names = this.#clusters.get(clusterName) ?? new Set<string>();
    let removed = false;
    for (const name of names) removed = queues.delete(name) || removed;
    if (queues.size === 0) this.#topics.delete(topic);
    return removed;
  }

  /** Live broker addresses with their last registration time (for logs, tests, admin). */
  liveBrokers(): ReadonlyMap<string, { readonly lastUpdate: number; readonly connectionId: string | undefined }> {
    return new Map([...this.#live].map(([addr, info]) => [addr, { lastUpdate: info.lastUpdate, connectionId: info.connectionId }]));
  }

  #applyTopics(brokerName: string, topics: readonly TopicConfigWire[]): void {
    const listed = new Set<string>();
    for (const t of topics) {
      if (t.topicName === SCHEDULE_TOPIC) continue;
      listed.add(t.topicName);
      let queues = this.#topics.get(t.topicName);
      if (!queues) {
        queues = new Map();
        this.#topics.set(t.topicName, queues);
      }
      queues.set(brokerName, { brokerName, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, topicSysFlag: t.topicSysFlag });
    }
    for (const [topic, queues] of this.#topics) {
      if (listed.has(topic) || !queues.delete(brokerName)) continue;
      if (queues.size === 0) this.#topics.delete(topic);
    }
  }

  #removeBrokerName(brokerName: string): void {
    this.#brokers.delete(brokerName);
    for (const [cluster, names] of this.#clusters) {
      if (names.delete(brokerName) && names.size === 0) this.#clusters.delete(cluster);
    }
    for (const [topic, queues] of this.#topics) {
      if (queues.delete(brokerName) && queues.size === 0) this.#topics.delete(topic);
    }
  }

  #clusterSet(cluster: string): Set<string> {
    let set = this.#clusters.get(cluster);
    if (!set) {
      set = new Set();
      this.#clusters.set(cluster, set);
    }
    return set;
  }
}

function toBrokerData(broker: MutableBrokerData): BrokerData {
  const brokerAddrs: Record<string, string> = {};
  for (const id of [...broker.addrs.keys()].sort((a, b) => a - b)) brokerAddrs[String(id)] = broker.addrs.get(id)!;
  return { cluster: broker.cluster, brokerName: broker.brokerName, brokerAddrs };
}
