import { StreamDoor } from '../../kernel/protocol/streams/stream-door.js';
import type { GroupMember } from '../../kernel/messaging/door.js';
import { MqttBroker, type BrokerDeps } from './broker.js';
import { RC } from './codes.js';
import { Connection } from './connection.js';

/**
 * The MQTT door: a TCP listener (1883 by default) and, through the HTTP door, WebSocket streams at
 * /mqtt, both handing every connection to a Connection over one MqttBroker.
 */
export class MqttDoor extends StreamDoor<Connection> {
  readonly name = 'mqtt';
  readonly broker: MqttBroker;
  #drained: Promise<void> | undefined;

  constructor(readonly deps: BrokerDeps) {
    const broker = new MqttBroker(deps);
    super('mqtt', 'MQTT_LISTEN_FAILED', (socket, remote) => new Connection(broker, socket, remote));
    this.broker = broker;
  }

  async start(): Promise<void> {
    await this.broker.load();
    await this.listener.listen(this.deps.config.host, this.deps.config.port);
  }

  drain(_deadline: number): Promise<void> {
    return (this.#drained ??= this.#drain());
  }

  /** Close every connection (MQTT 5: DISCONNECT 0x8B), publish pending wills, save sessions, close the state. */
  async #drain(): Promise<void> {
    for (const c of [...this.listener.connections]) {
      if (c.protocolVersion === 5 && c.connected) c.send({ cmd: 'disconnect', reasonCode: RC.SERVER_SHUTTING_DOWN });
      c.normalDisconnect(true);
    }
    this.broker.flushWills();
    await this.broker.settled();
    await Promise.all([...this.broker.sessions.values()].map((s) => this.broker.saveSession(s)));
    this.broker.close();
    await this.deps.state.close();
  }

  members(group: string): readonly GroupMember[] {
    const out: GroupMember[] = [];
    for (const c of this.listener.connections) {
      const s = c.session;
      if (s === undefined) continue;
      const topics = [...s.subscriptions.values()].filter((x) => x.parsed.share === group).flatMap((x) => (x.parsed.storeTopic === undefined ? [] : [x.parsed.storeTopic]));
      if (topics.length === 0) continue;
      out.push({ clientId: c.clientId, door: 'mqtt', address: c.remote, lastSeenAt: this.deps.clock.now(), mode: 'CLUSTERING', topics: [...new Set(topics)] });
    }
    return out;
  }
}
