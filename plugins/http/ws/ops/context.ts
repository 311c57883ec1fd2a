import type { Logger } from 'pino';
import type { HttpExtensionDeps } from '../../extension.js';
import type { ServerFrame } from '../protocol.js';
import type { Subscription, SubscriptionHost } from '../subscription.js';

/** Most subscriptions one connection may hold (docs/websocket.md §2). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 64;

/** What an operation handler sees of its connection. */
export interface OpContext {
  readonly deps: HttpExtensionDeps;
  readonly logger: Logger;
  /** The connection closed (or is closing): create nothing new. */
  readonly closed: boolean;
  send(frame: ServerFrame): boolean;
  /** The host a new subscription reports to. */
  readonly host: SubscriptionHost;
  /** A fresh server-side subscription id. */
  nextSubscriptionId(): string;
  subscriptionCount(): number;
  subscription(id: string): Subscription | undefined;
  addSubscription(subscription: Subscription): void;
  /** Remove and return it (undefined when unknown). */
  removeSubscription(id: string): Subscription | undefined;
}
