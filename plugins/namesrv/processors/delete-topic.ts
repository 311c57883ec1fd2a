import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { field, optionalField, type NamesrvContext } from './fields.js';

/**
 * 216 DELETE_TOPIC_IN_NAMESRV: drop the topic's routes (optional `clusterName`: only that
 * cluster's brokers, as Java 5). A broker that still has the topic lists it again at its next registration.
 */
export function deleteTopic(ctx: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const topic = field(request, 'topic');
    const clusterName = optionalField(request, 'clusterName');
    if (ctx.routes.deleteTopic(topic, clusterName)) ctx.logger.info({ topic, clusterName }, `topic ${topic} deleted from the name server`);
    return createResponse(request, { code: ResponseCode.SUCCESS });
  };
}
