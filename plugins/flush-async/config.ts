import { z } from 'zod';

/** plugins.flush-async config slice. */
export const asyncFlushConfigSchema = z
  .object({
    /** fdatasync period of the commit log. */
    flushIntervalMs: z.number().int().min(1).default(500),
  })
  .strict()
  .prefault({});
