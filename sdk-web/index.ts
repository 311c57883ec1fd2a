/**
 * CometMQ browser SDK: produce over fetch, subscribe over one WebSocket with explicit acks and
 * automatic reconnect. ESM, browser globals only (also runs in Node 20 with `ws` passed in).
 * Served bundled by the broker at /sdk/cometmq.js. See sdk-web/README.md.
 */
export { CometClient, type CometClientOptions } from './client.js';
export { Subscription, type SubscriptionState } from './subscription.js';
export { WebMessage } from './message.js';
export { CometError } from './errors.js';
export { NO_RECONNECT_CLOSE_CODES, type WebSocketConstructor, type WebSocketLike } from './channel.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export type { ProduceInput, ProduceMessage, ProduceOptions, ProduceResult, ProducedMessage, RejectedMessage, SubscribeOptions } from './types.js';
