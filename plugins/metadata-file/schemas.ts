import { z } from 'zod';

/**
 * On-disk shapes of the three metadata files. Names are stored as JSON string values, never as
 * object keys, so no group or topic name can collide with another or with `__proto__`.
 */
const count = z.number().int().min(0);
const timestamp = z.number().int().min(0);

export const topicSchema = z.object({
  topicName: z.string(),
  readQueueNums: count,
  writeQueueNums: count,
  perm: z.number().int().min(0).max(7),
  order: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const groupSchema = z.object({
  groupName: z.string(),
  consumeEnable: z.boolean(),
  consumeBroadcastEnable: z.boolean(),
  retryQueueNums: count,
  retryMaxTimes: z.number().int(),
  createdAt: timestamp,
});

/** topics.json */
export const topicsFileSchema = z.object({ version: z.literal(1), topics: z.array(topicSchema) });
/** groups.json */
export const groupsFileSchema = z.object({ version: z.literal(1), groups: z.array(groupSchema) });
/** offsets.json: group → topic → [queueId, offset] pairs, nested as arrays of records. */
export const offsetsFileSchema = z.object({
  version: z.literal(1),
  groups: z.array(
    z.object({
      group: z.string(),
      topics: z.array(z.object({ topic: z.string(), queues: z.array(z.tuple([count, count])) })),
    }),
  ),
});

export type TopicsFile = z.output<typeof topicsFileSchema>;
export type GroupsFile = z.output<typeof groupsFileSchema>;
export type OffsetsFile = z.output<typeof offsetsFileSchema>;
