import { RequestCode } from '../../../kernel/protocol/remoting/codes.js';
import type { Processor } from '../../../kernel/protocol/remoting/transport.js';
import { deleteTopic } from './delete-topic.js';
import type { NamesrvContext } from './fields.js';
import { getAllTopicList } from './get-all-topic-list.js';
import { getBrokerClusterInfo } from './get-broker-cluster-info.js';
import { getRouteInfoByTopic } from './get-routeinfo-by-topic.js';
import { registerBroker } from './register-broker.js';
import { unregisterBroker } from './unregister-broker.js';

export type { NamesrvContext } from './fields.js';

/** The name server's request codes, one processor file each; unknown codes get REQUEST_CODE_NOT_SUPPORTED from the server. */
export const NAMESRV_PROCESSORS: Readonly<Record<number, (ctx: NamesrvContext) => Processor>> = {
  [RequestCode.REGISTER_BROKER]: registerBroker,
  [RequestCode.UNREGISTER_BROKER]: unregisterBroker,
  [RequestCode.GET_ROUTEINFO_BY_TOPIC]: getRouteInfoByTopic,
  [RequestCode.GET_BROKER_CLUSTER_INFO]: getBrokerClusterInfo,
  [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER]: getAllTopicList,
  [RequestCode.DELETE_TOPIC_IN_NAMESRV]: deleteTopic,
};
