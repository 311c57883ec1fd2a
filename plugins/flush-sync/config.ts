import { z } from 'zod';

/** plugins.flush-sync config slice. */
export const syncFlushConfigSchema = z
  .object({
    /** A group-commit fdatasync slower than this fails its appends with STORE_FLUSH_TIMEOUT. */
    flushTimeoutMs: z.number().int().min(1).default(5000),
  })
  .strict()
  .prefault({});
