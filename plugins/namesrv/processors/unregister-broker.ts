import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { field, intField, type NamesrvContext } from './fields.js';

/** 104 UNREGISTER_BROKER (Java unregisterBroker): extFields brokerName, brokerAddr, clusterName, brokerId. */
export function unregisterBroker(ctx: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const req = {
      brokerName: field(request, 'brokerName'),
      brokerAddr: field(request, 'brokerAddr'),
      clusterName: field(request, 'clusterName'),
      brokerId: intField(request, 'brokerId'),
    };
    if (ctx.routes.unregisterBroker(req)) ctx.logger.info(req, `broker ${req.brokerName} (${req.brokerAddr}) unregistered`);
    return createResponse(request, { code: ResponseCode.SUCCESS });
  };
}
