import type { RemotingConnection } from '../../kernel/protocol/remoting/transport.js';

/**
 * Pulls parked by long polling (§2.5 step 7), so they can be ended early: when their connection
 * closes (the answer would be dropped anyway) or when the door drains at shutdown.
 */
export class HeldPulls {
  private readonly byConnection = new Map<string, Set<AbortController>>();
  /** Connections whose close we listen to (once each). */
  private readonly watched = new Set<string>();
  private closed = false;

  /** A controller for one held pull; call release() when the wait is over. */
  hold(connection: Pick<RemotingConnection, 'id' | 'onClose' | 'closed'>): AbortController {
    const controller = new AbortController();
    if (this.closed || connection.closed) {
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
    let set = this.byConnection.get(connectionId);
    if (set === undefined) this.byConnection.set(connectionId, (set = new Set()));
    set.add(controller);
    return controller;
  }

  release(connectionId: string, controller: AbortController): void {
    const set = this.byConnection.get(connectionId);
    if (set === undefined) return;
    set.delete(controller);
    if (set.size === 0) this.byConnection.delete(connectionId);
  }

  abortConnection(connectionId: string): void {
    const set = this.byConnection.get(connectionId);
    this.byConnection.delete(connectionId);
    for (const c of set ?? []) c.abort();
  }

  /** End every held pull now and every later one at once (door draining). */
  abortAll(): void {
    this.closed = true;
    for (const id of [...this.byConnection.keys()]) this.abortConnection(id);
  }

  size(): number {
    let n = 0;
    for (const set of this.byConnection.values()) n += set.size;
    return n;
  }
}
