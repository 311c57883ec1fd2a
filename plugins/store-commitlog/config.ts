import { z } from 'zod';

const MiB = 1024 * 1024;

/** plugins.store-commitlog config slice; every key has a default, units in names. */
export const storeConfigSchema = z
  .object({
    /** Folder under the kernel dataDir. */
    subfolder: z.string().min(1).default('store'),
    /** Commit-log segment size (pre-allocated with ftruncate at creation). */
    segmentBytes: z.number().int().min(64 * 1024).default(1024 * MiB),
    /** Body limit (RocketMQ maxMessageSize). */
    maxMessageBytes: z.number().int().min(1).default(4 * MiB),
    consumeQueueEntriesPerFile: z.number().int().min(16).default(300_000),
    /** Latest consume-queue entries kept in memory per queue (reads near the head skip the file); 0 = off. */
    consumeQueueTailEntries: z.number().int().min(0).default(4096),
    /** Default byte bound of one read (RocketMQ: 256 KiB per pull). */
    maxReadBytes: z.number().int().min(1024).default(256 * 1024),
    /** Block cache of log reads (1 MiB blocks, LRU). */
    readCacheBytes: z.number().int().min(0).default(64 * MiB),
    /** Encoded but not yet acknowledged bytes; beyond it appends wait (backpressure). */
    maxPendingBytes: z.number().int().min(MiB).default(16 * MiB),
    flushConsumeQueueIntervalMs: z.number().int().min(1).default(1000),
    checkpointIntervalMs: z.number().int().min(1).default(1000),
    fileReservedHours: z.number().min(0).default(72),
    diskHighWaterRatio: z.number().gt(0).max(1).default(0.85),
    /** Optional cap on the log's total bytes (oldest segments removed first). */
    maxLogBytes: z.number().int().min(1).optional(),
    cleanIntervalMs: z.number().int().min(1).default(10_000),
    /** Bounded in-memory feed to the index; beyond it the index catches up from the log. */
    indexQueueEntries: z.number().int().min(1).default(100_000),
    /** Open consume-queue file descriptors kept (LRU). */
    maxOpenQueueFiles: z.number().int().min(4).default(256),
  })
  .strict()
  .prefault({});

export type StoreConfig = z.output<typeof storeConfigSchema>;
