import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { wrapError } from '../../kernel/errors.js';

const offset = z.number().int().min(0);

const viewSchema = z.strictObject({
  topic: z.string().min(1),
  retry: z.boolean(),
  queueId: offset,
  cursor: offset,
  inflight: z.array(z.tuple([offset, z.number().int().min(1), offset, offset])),
  ahead: z.array(offset),
});

/** One group's pop state as written to `<dataDir>/pop/<group>.json`. */
export const groupFileSchema = z.strictObject({
  version: z.literal(1),
  group: z.string().min(1),
  views: z.array(viewSchema),
});

export type GroupFile = z.output<typeof groupFileSchema>;
export type ViewFile = z.output<typeof viewSchema>;

/**
 * The pop plugin's files: one JSON file per group, each replaced atomically (write `<file>.tmp`,
 * fsync, rename over the file, fsync the directory), so a crash leaves the old or the new state.
 */
export class PopFiles {
  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Every readable group file; unreadable ones are logged and set aside as `.corrupt`. */
  async loadAll(): Promise<GroupFile[]> {
    await this.io('create', () => mkdir(this.dir, { recursive: true }));
    const names = await this.io('list', () => readdir(this.dir));
    const files: GroupFile[] = [];
    for (const name of names) {
      if (name.endsWith('.json.tmp')) await rm(path.join(this.dir, name), { force: true });
      if (!name.endsWith('.json')) continue;
      const loaded = await this.loadOne(path.join(this.dir, name));
      if (loaded !== undefined) files.push(loaded);
    }
    return files;
  }

  async save(file: GroupFile): Promise<void> {
    const target = path.join(this.dir, fileName(file.group));
    const tmp = `${target}.tmp`;
    await this.io('write', async () => {
      const handle = await open(tmp, 'w', 0o644);
      try {
        await handle.writeFile(JSON.stringify(file), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    });
  }

  private async loadOne(file: string): Promise<GroupFile | undefined> {
    const text = await this.io('read', () => readFile(file, 'utf8'));
    let parsed: ReturnType<typeof groupFileSchema.safeParse> | undefined;
    try {
      parsed = groupFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success === true) return parsed.data;
    this.logger.warn({ file }, 'pop state file unreadable; set aside as .corrupt (its group restarts from the committed offsets)');
    await this.io('set aside', () => rename(file, `${file}.corrupt`));
    return undefined;
  }

  private async io<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw wrapError('METADATA_IO', `pop state ${what} failed in ${this.dir}`, e);
    }
  }
}

/** Group names use [%|a-zA-Z0-9_-]; `%` and `|` are escaped, long names shortened with a hash. */
export function fileName(group: string): string {
  const safe = group.replaceAll('%', '%25').replaceAll('|', '%7C');
  if (safe.length <= 120) return `${safe}.json`;
  const hash = createHash('sha256').update(group, 'utf8').digest('hex').slice(0, 16);
  return `${safe.slice(0, 100)}-${hash}.json`;
}
