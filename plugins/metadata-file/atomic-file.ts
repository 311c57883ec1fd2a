import { copyFile, link, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CometError, wrapError } from '../../kernel/errors.js';

type Read = { status: 'ok'; value: unknown } | { status: 'missing' } | { status: 'corrupt'; reason: string };

/**
 * One JSON file written atomically: the new content goes to `<file>.tmp`, is fsynced, the current
 * file is hard-linked to `<file>.bak`, the tmp file is renamed over the current one and the
 * directory is fsynced. A crash at any point leaves the old or the new content under `<file>`
 * (a leftover `.tmp` is discarded on load).
 *
 * Saves are serialized and coalesced: at most one write is in flight; saves requested meanwhile
 * share the single next write, which snapshots the state when it starts.
 */
export class AtomicJsonFile<S extends z.ZodType> {
  readonly file: string;
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    name: string,
    private readonly schema: S,
    private readonly snapshot: () => z.output<S>,
    private readonly logger: Logger,
  ) {
    this.file = path.join(dir, name);
  }

  /** Read and validate the file (falling back to `.bak`); undefined when neither exists. */
  async load(): Promise<z.output<S> | undefined> {
    await this.discardTmp();
    const main = await this.read(this.file);
    if (main.status === 'ok') return main.value as z.output<S>;
    const bak = await this.read(`${this.file}.bak`);
    if (main.status === 'missing' && bak.status === 'missing') return undefined;
    if (bak.status === 'ok') {
      const why = main.status === 'corrupt' ? main.reason : 'file missing';
      this.logger.warn({ file: this.file, reason: why }, 'metadata file unusable; recovered from its .bak copy');
      // Keep the corrupt file for inspection, and out of the way so the next save cannot rotate it into .bak.
      if (main.status === 'corrupt') await this.fsOp('set aside', () => rename(this.file, `${this.file}.corrupt`));
      return bak.value as z.output<S>;
    }
    const reason = main.status === 'corrupt' ? main.reason : 'file missing and its .bak is corrupt';
    throw new CometError('METADATA_CORRUPT', `Metadata file ${this.file} is corrupt (${reason}) and has no usable .bak copy`, {
      details: { file: this.file },
    });
  }

  /** Persist the current snapshot; resolves once a write that started after this call is durable. */
  save(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.inFlight === undefined) return this.start();
    const queued = this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  /** Wait until no write is in flight or queued (errors are the savers' to handle). */
  async settled(): Promise<void> {
    while (this.inFlight !== undefined || this.queued !== undefined) {
      await (this.queued ?? this.inFlight)?.catch(() => undefined);
    }
  }

  private start(): Promise<void> {
    const run = this.write(JSON.stringify(this.snapshot(), null, 1)).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.file}.tmp`;
    await this.fsOp('write', async () => {
      const handle = await open(tmp, 'w', 0o644);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
    await this.fsOp('back up', () => this.rotateBackup());
    await this.fsOp('rename', () => rename(tmp, this.file));
    await this.fsOp('fsync directory', () => syncDir(this.dir));
  }

  /**
   * `<file>` → `<file>.bak` by hard link (no copy), swapped in by rename so `.bak` is always a whole
   * earlier version; the rename of the new content that follows leaves the old inode under `.bak`.
   * With no current file (first write, or one set aside as corrupt) the existing `.bak` stays.
   */
  private async rotateBackup(): Promise<void> {
    const bak = `${this.file}.bak`;
    const next = `${bak}.tmp`;
    await rm(next, { force: true });
    try {
      await link(this.file, next);
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return;
      if (errnoOf(e) !== 'EPERM' && errnoOf(e) !== 'ENOTSUP' && errnoOf(e) !== 'EXDEV') throw e;
      await copyFile(this.file, next);
    }
    await rename(next, bak);
  }

  private async read(file: string): Promise<Read> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if (errnoOf(e) === 'ENOENT') return { status: 'missing' };
      throw wrapError('METADATA_IO', `Cannot read metadata file ${file}`, e);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { status: 'corrupt', reason: e instanceof Error ? e.message : 'invalid JSON' };
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { status: 'corrupt', reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
    }
    return { status: 'ok', value: parsed.data };
  }

  private async discardTmp(): Promise<void> {
    await rm(`${this.file}.bak.tmp`, { force: true }).catch(() => undefined);
    const tmp = `${this.file}.tmp`;
    const existed = await rm(tmp).then(
      () => true,
      (e: unknown) => {
        if (errnoOf(e) === 'ENOENT') return false;
        throw wrapError('METADATA_IO', `Cannot remove ${tmp}`, e);
      },
    );
    if (existed) this.logger.warn({ file: tmp }, 'discarded an unfinished metadata write');
  }

  private async fsOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw wrapError('METADATA_IO', `Metadata ${what} failed for ${this.file}`, e);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}
