import { z } from 'zod';

/** A single folder name inside dataDir (no separators, not `.` or `..`). */
export const subfolderSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, 'a single folder name inside dataDir ([A-Za-z0-9._-], no leading dot)');

/** plugins.index-rocksdb */
export const indexRocksdbConfig = z
  .object({
    /** Folder under dataDir holding the RocksDB database. */
    subfolder: subfolderSchema.default('index'),
    /** Minimum store-time distance between two sparse time points of one queue. */
    timeIndexIntervalMs: z.number().int().min(1).max(3_600_000).default(1000),
    /** Queues whose newest time point is kept in memory (least recently used are re-read). */
    timePointCacheQueues: z.number().int().min(1).default(65_536),
  })
  .strict();

export type IndexRocksdbConfig = z.output<typeof indexRocksdbConfig>;
