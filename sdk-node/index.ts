/**
 * CometMQ Node SDK: producer, push consumer and pull consumer over the native (RocketMQ 4.x
 * remoting) protocol. See sdk-node/README.md.
 */
export { Producer, shardingQueue, type ProducerOptions, type QueueSelector, type SendOptions, type SendCallback } from './producer.js';
export { PushConsumer, type PushConsumerOptions, type ListenerOptions } from './push-consumer.js';
export { PullConsumer, type PullConsumerOptions } from './pull-consumer.js';
export type { AckableMessage } from './message-stream.js';
export type { MessageListener } from './consume-service.js';
export { allocateAveragely } from './allocate.js';
export { encodeBatchBody, decodeBatchBody, decodePulledRecords } from './message-codec.js';
export type {
  ClientOptions,
  ConsumeFromWhere,
  Message,
  MessageModel,
  MessageQueue,
  ReceivedMessage,
  SdkLogger,
  SendResult,
  SendStatus,
} from './types.js';
export { CometError, isCometError } from '../kernel/errors.js';
