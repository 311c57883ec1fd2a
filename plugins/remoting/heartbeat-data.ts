import { z } from 'zod';
import { CometError } from '../../kernel/errors.js';

/**
 * HeartbeatData JSON (shared/rocketmq-protocol.md §2.3). Unknown fields are ignored (5.x and Java
 * clients add some); `__proto__` keys are inert because zod builds fresh objects.
 */
const subscriptionSchema = z.looseObject({
  topic: z.string().min(1),
  subString: z.string().default('*'),
  expressionType: z.string().optional(),
  tagsSet: z.array(z.string()).default([]),
  codeSet: z.array(z.number()).default([]),
  subVersion: z.number().default(0),
  classFilterMode: z.boolean().optional(),
});

const consumerSchema = z.looseObject({
  groupName: z.string().min(1),
  consumeType: z.string().default('CONSUME_PASSIVELY'),
  messageModel: z.enum(['CLUSTERING', 'BROADCASTING']).default('CLUSTERING'),
  consumeFromWhere: z.string().default('CONSUME_FROM_LAST_OFFSET'),
  subscriptionDataSet: z.array(subscriptionSchema).default([]),
  unitMode: z.boolean().optional(),
});

const producerSchema = z.looseObject({ groupName: z.string().min(1) });

export const heartbeatSchema = z.looseObject({
  clientID: z.string().min(1),
  consumerDataSet: z.array(consumerSchema).default([]),
  producerDataSet: z.array(producerSchema).default([]),
});

export type HeartbeatData = z.output<typeof heartbeatSchema>;
export type ConsumerData = z.output<typeof consumerSchema>;
export type SubscriptionData = z.output<typeof subscriptionSchema>;

export function parseHeartbeat(json: unknown): HeartbeatData {
  const r = heartbeatSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue === undefined ? '' : `${issue.path.join('.')}: ${issue.message}`;
    throw new CometError('REMOTING_HEADER_INVALID', `HEART_BEAT body is not HeartbeatData (${where})`);
  }
  return r.data;
}
