import type { Logger } from 'pino';
import { CometError, wrapError } from '../../kernel/errors.js';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import { RequestCode, ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import type { RemotingClient } from '../../kernel/protocol/remoting/transport.js';
import {
  SCHEDULE_TOPIC,
  bodyCrc32,
  encodeRegisterBrokerBody,
  type DataVersion,
  type RegisterBrokerResult,
  type TopicConfigWire,
} from '../../kernel/protocol/remoting/route.js';
import type { Clock, TimerHandle } from '../../kernel/services.js';

/** Who this broker is, as name servers see it. */
export interface BrokerIdentity {
  readonly clusterName: string;
  readonly brokerName: string;
  /** `ip:port` of the native door. */
  readonly brokerAddr: string;
  readonly brokerId: number;
  readonly haServerAddr: string;
}

export interface RegistrarDeps {
  readonly client: RemotingClient;
  /** Name server addresses, read at every round (the embedded one is known only once it listens). */
  readonly targets: () => readonly string[];
  /** This broker; undefined while its address is unknown (the round is skipped). */
  readonly broker: () => BrokerIdentity | undefined;
  readonly topics: () => readonly TopicConfig[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export type RegisterOutcome =
  | { readonly namesrv: string; readonly ok: true; readonly result: RegisterBrokerResult }
  | { readonly namesrv: string; readonly ok: false; readonly error: CometError };

export interface BrokerRegistrar {
  /** Register now, then every intervalMs. */
  start(): void;
  /** One registration round with every name server (coalesced with a round already queued). Never rejects. */
  registerAll(): Promise<RegisterOutcome[]>;
  /** The topic table changed: bump the data version and register at once. */
  topicsChanged(): Promise<RegisterOutcome[]>;
  /** Cancel the timer, finish the running round, unregister from every name server except `skip`. Never rejects. */
  stop(deadline: number, skip?: readonly string[]): Promise<void>;
  dataVersion(): DataVersion;
}

/** A TopicConfig as the broker's TopicConfigSerializeWrapper carries it; SCHEDULE_TOPIC_XXXX is left out. */
export function topicTable(topics: readonly TopicConfig[]): Record<string, TopicConfigWire> {
  const table: Record<string, TopicConfigWire> = {};
  for (const t of topics) {
    if (t.topicName === SCHEDULE_TOPIC) continue;
    table[t.topicName] = { topicName: t.topicName, readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, topicSysFlag: 0, order: t.order };
  }
  return table;
}

export function createBrokerRegistrar(deps: RegistrarDeps): BrokerRegistrar {
  const { client, clock, logger } = deps;
  const version = { timestamp: clock.now(), counter: 0 };
  const failing = new Set<string>();
  let lastBroker: BrokerIdentity | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();
  let queued: Promise<RegisterOutcome[]> | undefined;

  const registerOne = async (namesrv: string, broker: BrokerIdentity, body: Uint8Array): Promise<RegisterOutcome> => {
    try {
      const response = await client.invoke(
        namesrv,
        {
          code: RequestCode.REGISTER_BROKER,
          extFields: { ...broker, compressed: false, bodyCrc32: bodyCrc32(body) },
          body,
        },
        deps.timeoutMs,
      );
      if (response.code !== ResponseCode.SUCCESS) {
        throw new CometError('NAMESRV_REGISTER_FAILED', `name server ${namesrv} refused the registration: ${response.code} ${response.remark ?? ''}`.trim());
      }
      if (failing.delete(namesrv)) logger.info({ namesrv }, `registered with name server ${namesrv} again`);
      const { haServerAddr, masterAddr } = response.extFields;
      return { namesrv, ok: true, result: { ...(haServerAddr ? { haServerAddr } : {}), ...(masterAddr ? { masterAddr } : {}) } };
    } catch (e) {
      const error = wrapError('NAMESRV_REGISTER_FAILED', `register with name server ${namesrv}`, e);
      // Warn once per outage; the others are unaffected (independent requests).
      if (!failing.has(namesrv)) logger.warn({ namesrv, code: error.code, err: error.message }, `registration with name server ${namesrv} failed`);
      else logger.debug({ namesrv, code: error.code }, 'registration still failing');
      failing.add(namesrv);
      return { namesrv, ok: false, error };
    }
  };

  const runRound = async (): Promise<RegisterOutcome[]> => {
    const broker = deps.broker();
    if (stopped || broker === undefined) return [];
    lastBroker = broker;
    const body = encodeRegisterBrokerBody({
      topicConfigSerializeWrapper: { topicConfigTable: topicTable(deps.topics()), dataVersion: { ...version } },
      filterServerList: [],
    });
    return Promise.all(deps.targets().map((namesrv) => registerOne(namesrv, broker, body)));
  };

  const registerAll = (): Promise<RegisterOutcome[]> => {
    if (queued) return queued;
    const round: Promise<RegisterOutcome[]> = chain.then(() => {
      queued = undefined;
      return runRound();
    });
    queued = round;
    chain = round.catch(() => undefined);
    return round;
  };

  const unregisterOne = async (namesrv: string, broker: BrokerIdentity, deadline: number): Promise<void> => {
    const timeoutMs = Math.max(1, Math.min(deps.timeoutMs, deadline - clock.monotonic()));
    const { clusterName, brokerName, brokerAddr, brokerId } = broker;
    try {
      const response = await client.invoke(namesrv, { code: RequestCode.UNREGISTER_BROKER, extFields: { clusterName, brokerName, brokerAddr, brokerId } }, timeoutMs);
      logger.debug({ namesrv, code: response.code }, `unregistered from name server ${namesrv}`);
    } catch (e) {
      logger.warn({ namesrv, err: e instanceof Error ? e.message : String(e) }, `unregister from name server ${namesrv} failed`);
    }
  };

  return {
    registerAll,
    dataVersion: () => ({ ...version }),
    start() {
      void registerAll();
      timer = clock.setInterval(() => void registerAll(), deps.intervalMs).unref();
    },
    topicsChanged() {
      version.counter += 1;
      return registerAll();
    },
    async stop(deadline, skip = []) {
      timer?.cancel();
      stopped = true;
      await chain;
      const broker = lastBroker;
      if (broker === undefined) return;
      const targets = deps.targets().filter((t) => !skip.includes(t));
      await Promise.all(targets.map((namesrv) => unregisterOne(namesrv, broker, deadline)));
    },
  };
}
