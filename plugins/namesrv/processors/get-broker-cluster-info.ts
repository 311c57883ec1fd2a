import { ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { createResponse, type RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import { encodeClusterInfo } from '../../../kernel/protocol/remoting/route.js';
import type { NamesrvContext } from './fields.js';

/** 106 GET_BROKER_CLUSTER_INFO: SUCCESS + ClusterInfo `{brokerAddrTable, clusterAddrTable}`. */
export function getBrokerClusterInfo(ctx: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand =>
    createResponse(request, { code: ResponseCode.SUCCESS, body: encodeClusterInfo(ctx.routes.clusterInfo()) });
}
