import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import type { BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { fail } from '../send.js';
import { ok } from './ok.js';

/** ali-ons sends version 121 (V3_4_9): from it on the request's maxReconsumeTimes counts (§2.10.1 step 5). */
const V3_4_9 = 121;

/**
 * 36 CONSUMER_SEND_MSG_BACK, rocketmq-protocol.md §2.10.1 → messaging.sendBack, which does steps 1–7
 * (group auto-create, retry topic, lookup by physical offset `offset`, RETRY_TOPIC / ORIGIN_MESSAGE_ID,
 * reconsumeTimes + 1, retry with delay 3 + n or DLQ). Step 3 miss → 1 "look message by offset failed";
 * step 8: SUCCESS, or the store's error code with its message as remark.
 */
export const consumerSendMsgBack: BrokerProcessor = async (ctx, request) => {
  const h = headers(request);
  const physicalOffset = h.int('offset');
  const maxReconsumeTimes = request.version >= V3_4_9 ? h.optInt('maxReconsumeTimes') : undefined;
  const originMsgId = h.optStr('originMsgId');
  const result = await ctx.messaging.sendBack({
    group: h.str('group'),
    physicalOffset,
    delayLevel: h.optInt('delayLevel') ?? 0,
    ...(maxReconsumeTimes === undefined ? {} : { maxReconsumeTimes }),
    ...(originMsgId === undefined || originMsgId.length === 0 ? {} : { originMsgId }),
  });
  if (result.status === 'notFound') return fail(request, ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${physicalOffset}`);
  if (result.result.status === 'rejected') return fail(request, result.result.error.remotingCode, result.result.error.message);
  return ok(request);
};
