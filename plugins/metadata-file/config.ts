import { z } from 'zod';

/** plugins.metadata-file */
export const metadataFileConfig = z
  .object({
    /** Folder under dataDir holding topics.json, groups.json and offsets.json. */
    subfolder: z
      .string()
      .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, 'a single folder name inside dataDir ([A-Za-z0-9._-], no leading dot)')
      .default('metadata'),
    /** Consumer offsets are written this often when they changed (and always at stop). */
    persistIntervalMs: z.number().int().min(10).max(3_600_000).default(5000),
  })
  .strict();

export type MetadataFileConfig = z.output<typeof metadataFileConfig>;
