import net from 'node:net';
import type { Duplex } from 'node:stream';
import { CometError } from '../../kernel/errors.js';
import type { Door, GroupMember } from '../../kernel/messaging/door.js';
import { MqttBroker, type BrokerDeps } from './broker.js';
import { RC } from './codes.js';
import { Connection } from './connection.js';

/**
 * The MQTT door: a TCP listener (1883 by default) and, through the HTTP door, WebSocket streams at
 * /mqtt, both handing every connection to a Connection over one MqttBroker.
 */
export class MqttDoor implements Door {
  readonly name = 'mqtt';
  readonly broker: MqttBroker;
  readonly #connections = new Set<Connection>();
  #server: net.Server | undefined;
  #accepting = true;
  #drained: Promise<void> | undefined;

  constructor(readonly deps: BrokerDeps) {
    this.broker = new MqttBroker(deps);
  }

  async start(): Promise<void> {
    await this.broker.load();
    const { host, port } = this.deps.config;
    const server = net.createServer((socket) => this.accept(socket, `${socket.remoteAddress}:${socket.remotePort}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new CometError('MQTT_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${e.message}`, { cause: e })));
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
  }

  /** A new connection (TCP socket, or a WebSocket stream from the HTTP door). */
  accept(socket: Duplex, remote: string): void {
    if (!this.#accepting) {
      socket.destroy();
      return;
    }
    // A Nagle delay would hold small acknowledgements back ~40 ms with some clients.
    if (socket instanceof net.Socket) socket.setNoDelay(true);
    const c = new Connection(this.broker, socket, remote);
    this.#connections.add(c);
    socket.once('close', () => this.#connections.delete(c));
  }

  address(): { host: string; port: number } | undefined {
    const a = this.#server?.address();
    return a === null || a === undefined || typeof a === 'string' ? undefined : { host: a.address, port: a.port };
  }

  addresses(): readonly string[] {
    const a = this.address();
    return a === undefined ? [] : [`mqtt://${a.host}:${a.port}`];
  }

  async stopAccepting(): Promise<void> {
    this.#accepting = false;
    const server = this.#server;
    if (server !== undefined) server.close();
  }

  /** Close every connection (MQTT 5: DISCONNECT 0x8B), publish pending wills, save sessions, close the state. */
  drain(_deadline: number): Promise<void> {
    return (this.#drained ??= this.#drain());
  }

  async #drain(): Promise<void> {
    for (const c of [...this.#connections]) {
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
    for (const c of this.#connections) {
      const s = c.session;
      if (s === undefined) continue;
      const topics = [...s.subscriptions.values()].filter((x) => x.parsed.share === group).flatMap((x) => (x.parsed.storeTopic === undefined ? [] : [x.parsed.storeTopic]));
      if (topics.length === 0) continue;
      out.push({ clientId: c.clientId, door: 'mqtt', address: c.remote, lastSeenAt: this.deps.clock.now(), mode: 'CLUSTERING', topics: [...new Set(topics)] });
    }
    return out;
  }
}
