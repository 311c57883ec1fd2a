import type { BrokerProcessor } from '../context.js';
import { sendSingle } from '../send.js';
import { sendHeaderV2 } from '../send-header.js';

/** 310 SEND_MESSAGE_V2: one-letter header fields a…l (rocketmq-protocol.md §2.4), what ali-ons sends. */
export const sendMessageV2: BrokerProcessor = (ctx, request, connection) => sendSingle(ctx, request, connection, sendHeaderV2(request));
