import { CometError } from '../../../kernel/errors.js';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import type { RemotingConnection } from '../../../kernel/protocol/remoting/transport.js';
import { bodyCrc32, parseRegisterBrokerBody, type RegisterBrokerBody } from '../../../kernel/protocol/remoting/route.js';
import { field, intField, optionalField, type NamesrvContext } from './fields.js';

/**
 * 103 REGISTER_BROKER (Java DefaultRequestProcessor.registerBrokerWithFilterServer): extFields
 * brokerName, brokerAddr, clusterName, haServerAddr, brokerId; body RegisterBrokerBody JSON.
 * Answers SUCCESS with haServerAddr/masterAddr (a slave learns its master).
 */
export function registerBroker(ctx: NamesrvContext) {
  return (request: RemotingCommand, connection: RemotingConnection): RemotingCommand => {
    const brokerName = field(request, 'brokerName');
    const brokerAddr = field(request, 'brokerAddr');
    const clusterName = field(request, 'clusterName');
    const brokerId = intField(request, 'brokerId');
    const haServerAddr = optionalField(request, 'haServerAddr') ?? '';
    const body = parseBody(request);
    const topics = body === undefined ? undefined : Object.values(body.topicConfigSerializeWrapper.topicConfigTable);
    ctx.watchConnection(connection);
    const known = ctx.routes.liveBrokers().has(brokerAddr);
    const result = ctx.routes.registerBroker(
      {
        clusterName,
        brokerName,
        brokerAddr,
        brokerId,
        haServerAddr,
        ...(body === undefined
          ? {}
          : { topics, dataVersion: body.topicConfigSerializeWrapper.dataVersion, filterServerList: body.filterServerList }),
        connectionId: connection.id,
      },
      ctx.now(),
    );
    if (!known) ctx.logger.info({ brokerName, brokerAddr, clusterName, brokerId, topics: topics?.length ?? 0 }, `broker ${brokerName} (${brokerAddr}) registered`);
    return createResponse(request, { code: ResponseCode.SUCCESS, extFields: { haServerAddr: result.haServerAddr, masterAddr: result.masterAddr } });
  };
}

/** No body means "liveness only" (Java accepts an empty wrapper); a body must validate and match bodyCrc32 when given. */
function parseBody(request: RemotingCommand): RegisterBrokerBody | undefined {
  if (request.body === undefined || request.body.length === 0) return undefined;
  if (optionalField(request, 'compressed') === 'true') {
    throw new CometError('ROUTE_BODY_INVALID', `request ${RequestCode.REGISTER_BROKER}: compressed registration bodies are not supported; set compressedRegister=false`);
  }
  const crc = optionalField(request, 'bodyCrc32') === undefined ? 0 : intField(request, 'bodyCrc32');
  if (crc !== 0 && crc !== bodyCrc32(request.body)) {
    throw new CometError('ROUTE_BODY_INVALID', `request ${RequestCode.REGISTER_BROKER}: bodyCrc32 ${crc} does not match the body`);
  }
  return parseRegisterBrokerBody(request.body);
}
