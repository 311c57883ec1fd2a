import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { fail } from '../send.js';
import { ok } from './ok.js';

/** Cap of one QUERY_MESSAGE answer (Java defaultQueryMaxNum 32, messaging clamps further). */
const MAX_QUERY = 64;

/**
 * 12 QUERY_MESSAGE by key (Java QueryMessageRequestHeader: topic, key, maxNum, beginTimestamp,
 * endTimestamp) → messaging.queryByKey; body = the stored records back to back; none → 22. Response
 * header: indexLastUpdateTimestamp / indexLastUpdatePhyoffset (the newest hit's store time and offset).
 */
export const queryMessage: BrokerProcessor = async (ctx, request) => {
  const h = headers(request);
  const topic = h.str('topic');
  const key = h.str('key');
  const limit = Math.max(1, Math.min(h.optInt('maxNum') ?? 32, MAX_QUERY));
  const beginTimestamp = h.optInt('beginTimestamp');
  const endTimestamp = h.optInt('endTimestamp');
  const page = await ctx.messaging.queryByKey(topic, key, {
    limit,
    ...(beginTimestamp === undefined ? {} : { beginTimestamp }),
    ...(endTimestamp === undefined ? {} : { endTimestamp }),
  });
  const messages = page.messages.slice(0, limit);
  if (messages.length === 0) return fail(request, ResponseCode.QUERY_NOT_FOUND, 'can not find message, maybe time range not correct');
  const last = messages[messages.length - 1]!;
  return ok(
    request,
    { indexLastUpdateTimestamp: last.storeTimestamp, indexLastUpdatePhyoffset: last.physicalOffset },
    Buffer.concat(messages.map((m) => m.raw)),
  );
};
