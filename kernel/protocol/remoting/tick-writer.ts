import type { Socket } from 'node:net';

/**
 * Writes frames to a socket, batching every frame written in one tick into one writev: the socket is
 * corked on the first write of a tick and uncorked on the next tick. Used by both ends of a connection.
 */
export class TickWriter {
  private corked = false;
  private readonly uncork = (): void => this.flush();

  constructor(private readonly socket: Socket) {}

  write(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(frame);
  }

  /** Send what this tick has corked now (before ending the socket). */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }
}
