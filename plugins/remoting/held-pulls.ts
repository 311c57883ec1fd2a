import { setMaxListeners } from 'node:events';
import type { RemotingConnection } from '../../kernel/protocol/remoting/transport.js';

interface ConnectionHolds {
  /** Shared by every pull held on the connection: aborting it ends them all. */
  readonly controller: AbortController;
  held: number;
}

/**
 * Pulls parked by long polling (§2.5 step 7), so they can be ended early: when their connection
 * closes (the answer would be dropped anyway) or when the door drains at shutdown. One
 * AbortController per connection (not per pull): both ways of ending end every pull of the
 * connection, and a pull is the hot path.
 */
export class HeldPulls {
  private readonly byConnection = new Map<string, ConnectionHolds>();
  /** Connections whose close we listen to (once each). */
  private readonly watched = new Set<string>();
  private closed = false;

  /** The controller to wait with for one held pull; call release() when the wait is over. */
  hold(connection: Pick<RemotingConnection, 'id' | 'onClose' | 'closed'>): AbortController {
    if (this.closed || connection.closed) {
      const controller = new AbortController();
      controller.abort();
      return controller;
    }
    const connectionId = connection.id;
    if (!this.watched.has(connectionId)) {
      this.watched.add(connectionId);
      connection.onClose(() => {
        this.watched.delete(connectionId);
        this.abortConnection(connectionId);
      });
    }
    let holds = this.byConnection.get(connectionId);
    if (holds === undefined) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal); // one listener per held pull of the connection
      holds = { controller, held: 0 };
      this.byConnection.set(connectionId, holds);
    }
    holds.held++;
    return holds.controller;
  }

  release(connectionId: string, controller: AbortController): void {
    const holds = this.byConnection.get(connectionId);
    if (holds === undefined || holds.controller !== controller) return;
    holds.held--; // the entry stays until the connection closes: its controller is reused
  }

  abortConnection(connectionId: string): void {
    const holds = this.byConnection.get(connectionId);
    this.byConnection.delete(connectionId);
    holds?.controller.abort();
  }

  /** End every held pull now and every later one at once (door draining). */
  abortAll(): void {
    this.closed = true;
    for (const id of [...this.byConnection.keys()]) this.abortConnection(id);
  }

  size(): number {
    let n = 0;
    for (const holds of this.byConnection.values()) n += holds.held;
    return n;
  }
}
