import { StreamDoor } from '../../kernel/protocol/streams/stream-door.js';
import { type ConnectionDeps, StompConnection } from './connection.js';

/** The STOMP door: a TCP listener (61613) and, through the HTTP door, WebSocket streams at /stomp. */
export class StompDoor extends StreamDoor<StompConnection> {
  readonly name = 'stomp';

  constructor(readonly deps: ConnectionDeps) {
    super('stomp', 'STOMP_LISTEN_FAILED', (socket, remote) => new StompConnection(deps, socket, remote));
  }

  async start(): Promise<void> {
    await this.listener.listen(this.deps.config.host, this.deps.config.port);
  }

  /** ERROR "server shutting down" to every connection (unacknowledged queue messages go back to their groups). */
  async drain(_deadline: number): Promise<void> {
    for (const c of [...this.listener.connections]) {
      if (c.connected) c.error('server shutting down', 'the broker is stopping; reconnect to another broker or later');
      else c.close('shutdown');
    }
  }
}
