import type { Logger } from 'pino';
import type { PopFiles } from './persist.js';
import type { GroupState, PopRegistry } from './registry.js';

/** Writes each changed group's state file; at most one write per group at a time. */
export class PopSaver {
  private readonly saving = new Map<GroupState, Promise<void>>();

  constructor(
    private readonly files: PopFiles,
    private readonly registry: PopRegistry,
    private readonly logger: Logger,
  ) {}

  /** Start a write for every dirty group not already being written. */
  flush(): Promise<void> {
    for (const g of this.registry.all()) {
      if (!g.dirty || this.saving.has(g)) continue;
      g.dirty = false;
      const write = this.files
        .save(g.snapshot())
        .catch((e: unknown) => {
          g.dirty = true;
          this.logger.warn({ err: e, group: g.group }, 'pop state write failed; retried at the next interval');
        })
        .finally(() => this.saving.delete(g));
      this.saving.set(g, write);
    }
    return this.settled();
  }

  /** Wait for the writes in flight, then write what is still dirty (stop). */
  async flushAll(): Promise<void> {
    await this.settled();
    await this.flush();
  }

  private async settled(): Promise<void> {
    await Promise.all([...this.saving.values()]);
  }
}
