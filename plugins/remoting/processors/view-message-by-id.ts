import { encodeMsgId } from '../../../kernel/messaging/msgid.js';
import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { storeHost, type BrokerProcessor } from '../context.js';
import { headers } from '../headers.js';
import { fail } from '../send.js';
import { ok } from './ok.js';

/**
 * 33 VIEW_MESSAGE_BY_ID (Java ViewMessageRequestHeader): extFields offset = the physical offset (the
 * client decoded it from the offset msgId) → body = the stored record; none → 1 like Java.
 */
export const viewMessageById: BrokerProcessor = async (ctx, request) => {
  const offset = headers(request).int('offset');
  const message = offset < 0 ? undefined : await ctx.messaging.viewMessage(encodeMsgId(storeHost(ctx), offset));
  if (message === undefined || message.physicalOffset !== offset) {
    return fail(request, ResponseCode.SYSTEM_ERROR, `can not find message by the offset, ${offset}`);
  }
  return ok(request, undefined, message.raw);
};
