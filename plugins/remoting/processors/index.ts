import { RequestCode } from '../../../kernel/protocol/remoting/codes.js';
import type { BrokerProcessor } from '../context.js';
import { consumerSendMsgBack } from './consumer-send-msg-back.js';
import { getConsumerListByGroup } from './get-consumer-list-by-group.js';
import { getEarliestMsgStoretime } from './get-earliest-msg-storetime.js';
import { getMaxOffset } from './get-max-offset.js';
import { getMinOffset } from './get-min-offset.js';
import { heartBeat } from './heart-beat.js';
import { lockBatchMq } from './lock-batch-mq.js';
import { pullMessage } from './pull-message.js';
import { queryConsumerOffset } from './query-consumer-offset.js';
import { queryMessage } from './query-message.js';
import { searchOffsetByTimestamp } from './search-offset-by-timestamp.js';
import { sendBatchMessage } from './send-batch-message.js';
import { sendMessage } from './send-message.js';
import { sendMessageV2 } from './send-message-v2.js';
import { unlockBatchMq } from './unlock-batch-mq.js';
import { unregisterClient } from './unregister-client.js';
import { updateAndCreateTopic } from './update-and-create-topic.js';
import { updateConsumerOffset } from './update-consumer-offset.js';
import { viewMessageById } from './view-message-by-id.js';

/** The broker's request table: one processor (one file) per request code. Unknown codes: the server answers 3. */
export const PROCESSORS: ReadonlyMap<number, BrokerProcessor> = new Map<number, BrokerProcessor>([
  [RequestCode.SEND_MESSAGE, sendMessage],
  [RequestCode.SEND_MESSAGE_V2, sendMessageV2],
  [RequestCode.SEND_BATCH_MESSAGE, sendBatchMessage],
  [RequestCode.PULL_MESSAGE, pullMessage],
  [RequestCode.QUERY_MESSAGE, queryMessage],
  [RequestCode.QUERY_CONSUMER_OFFSET, queryConsumerOffset],
  [RequestCode.UPDATE_CONSUMER_OFFSET, updateConsumerOffset],
  [RequestCode.UPDATE_AND_CREATE_TOPIC, updateAndCreateTopic],
  [RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, searchOffsetByTimestamp],
  [RequestCode.GET_MAX_OFFSET, getMaxOffset],
  [RequestCode.GET_MIN_OFFSET, getMinOffset],
  [RequestCode.GET_EARLIEST_MSG_STORETIME, getEarliestMsgStoretime],
  [RequestCode.VIEW_MESSAGE_BY_ID, viewMessageById],
  [RequestCode.HEART_BEAT, heartBeat],
  [RequestCode.UNREGISTER_CLIENT, unregisterClient],
  [RequestCode.CONSUMER_SEND_MSG_BACK, consumerSendMsgBack],
  [RequestCode.GET_CONSUMER_LIST_BY_GROUP, getConsumerListByGroup],
  [RequestCode.LOCK_BATCH_MQ, lockBatchMq],
  [RequestCode.UNLOCK_BATCH_MQ, unlockBatchMq],
]);
