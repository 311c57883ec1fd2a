import { CometError } from '../../../kernel/errors.js';
import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse } from '../../../kernel/protocol/remoting/command.js';
import { decodeBatch } from '../batch-codec.js';
import type { BrokerProcessor } from '../context.js';
import { bodyTooLarge, fail, produceRequest, sendResponse, sendTarget } from '../send.js';
import { sendHeaderV2 } from '../send-header.js';

/**
 * 320 SEND_BATCH_MESSAGE: V2 header (m = true) and a Java MessageBatch body (batch-codec.ts). Every
 * message gets the §2.4 checks of a single send; the whole batch goes to one queue (random when the
 * header's queueId < 0), as Java does. Delayed messages are not allowed in a batch (Java: 13).
 * All or nothing, as in Java: one message failing the checks stores none of the batch.
 * Response: msgId = the stored msgIds joined by ',', queueId, queueOffset of the first.
 */
export const sendBatchMessage: BrokerProcessor = async (ctx, request, connection) => {
  const h = sendHeaderV2(request);
  let items;
  try {
    items = decodeBatch(request.body ?? new Uint8Array(0));
  } catch (e) {
    if (e instanceof CometError) return fail(request, ResponseCode.MESSAGE_ILLEGAL, e.message);
    throw e;
  }
  for (const item of items) {
    const tooLarge = bodyTooLarge(ctx, request, item.body.length);
    if (tooLarge !== undefined) return tooLarge;
  }
  const target = await sendTarget(ctx, request, h);
  if (!('redirectedToDlq' in target)) return target;
  const queueId = target.queueId ?? (target.config === undefined ? 0 : Math.floor(Math.random() * target.config.writeQueueNums));
  const produces = items.map((item) =>
    produceRequest(ctx, connection, { ...target, queueId }, { body: item.body, properties: item.properties, flag: item.flag, sysFlag: h.sysFlag, bornTimestamp: h.bornTimestamp, reconsumeTimes: h.reconsumeTimes }),
  );
  if (produces.some((p) => p.delayLevel !== undefined)) {
    return fail(request, ResponseCode.MESSAGE_ILLEGAL, 'TimeDelayLevel is not supported for batched messages');
  }
  const results = await ctx.messaging.produceBatch(target.topic, produces, undefined, { allOrNothing: true });
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected !== undefined) return sendResponse(ctx, request, rejected);
  const first = results[0];
  if (first === undefined || first.status !== 'ok') return fail(request, ResponseCode.SYSTEM_ERROR, 'the batch stored nothing');
  return createResponse(request, {
    code: ResponseCode.SUCCESS,
    extFields: {
      msgId: results.map((r) => (r.status === 'ok' ? r.msgId : '')).join(','),
      queueId: first.queueId,
      queueOffset: first.queueOffset,
      MSG_REGION: ctx.config.region,
      TRACE_ON: ctx.config.traceOn,
    },
  });
};
