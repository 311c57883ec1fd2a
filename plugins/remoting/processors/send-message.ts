import type { BrokerProcessor } from '../context.js';
import { sendSingle } from '../send.js';
import { sendHeaderV1 } from '../send-header.js';

/** 10 SEND_MESSAGE: v1 header with long field names (rocketmq-protocol.md §2.4 table, "v1 name" column). */
export const sendMessage: BrokerProcessor = (ctx, request, connection) => sendSingle(ctx, request, connection, sendHeaderV1(request));
