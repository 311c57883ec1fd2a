import { z } from 'zod';
import { CometError } from '../../../kernel/errors.js';
import type { RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { jsonBody } from '../headers.js';

/** Java LockBatchRequestBody / UnlockBatchRequestBody: {consumerGroup, clientId, mqSet:[{topic, brokerName, queueId}]}. */
const mqSchema = z.looseObject({ topic: z.string().min(1), brokerName: z.string(), queueId: z.number().int().min(0) });
const lockBodySchema = z.looseObject({
  consumerGroup: z.string().min(1),
  clientId: z.string().min(1),
  onlyThisBroker: z.boolean().optional(),
  mqSet: z.array(mqSchema).max(65536).default([]),
});

export type LockBody = z.output<typeof lockBodySchema>;

export function parseLockBody(request: RemotingCommand): LockBody {
  const r = lockBodySchema.safeParse(jsonBody(request));
  if (!r.success) throw new CometError('REMOTING_HEADER_INVALID', `request ${request.code}: the body is not a LockBatchRequestBody`);
  return r.data;
}
