import { retryTopic } from '../../../kernel/messaging/names.js';
import type { BrokerProcessor } from '../context.js';
import { parseHeartbeat } from '../heartbeat-data.js';
import { jsonBody } from '../headers.js';
import { ensureInternalTopic } from '../send.js';
import { ok } from './ok.js';

/**
 * 34 HEART_BEAT, rocketmq-protocol.md §2.3: register/refresh the client under each consumer and
 * producer group (step 1); auto-create each consumer group and its `%RETRY%<group>` topic (1 queue,
 * perm 6) — created through topics.upsert only when missing, so broker-registration re-registers it
 * at once (step 2); a changed client set sends 40 to the members (step 3, ClientManager); SUCCESS (step 4).
 */
export const heartBeat: BrokerProcessor = async (ctx, request, connection) => {
  const data = parseHeartbeat(jsonBody(request));
  for (const consumer of data.consumerDataSet) {
    await ctx.messaging.groups.ensure(consumer.groupName);
    await ensureInternalTopic(ctx, retryTopic(consumer.groupName));
  }
  ctx.clients.heartbeat(connection, data, request.language, request.version);
  return ok(request);
};
