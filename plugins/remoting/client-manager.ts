import type { Logger } from 'pino';
import { RequestCode } from '../../kernel/protocol/remoting/codes.js';
import type { RemotingConnection } from '../../kernel/protocol/remoting/transport.js';
import type { Clock } from '../../kernel/services.js';
import type { ConsumerData, HeartbeatData, SubscriptionData } from './heartbeat-data.js';

/** One client (by clientID) on one connection, as Java's ClientChannelInfo. */
export interface ClientChannel {
  readonly clientId: string;
  readonly connection: RemotingConnection;
  readonly language: string;
  readonly version: number;
  /** Clock.monotonic() of the last heartbeat. */
  lastUpdate: number;
}

export interface ConsumerGroupInfo {
  readonly group: string;
  messageModel: ConsumerData['messageModel'];
  consumeFromWhere: string;
  consumeType: string;
  /** By connection id. */
  readonly channels: Map<string, ClientChannel>;
  /** By topic: the latest subscription a member sent. */
  readonly subscriptions: Map<string, SubscriptionData>;
}

export interface ClientManagerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly clientExpiryMs: number;
  /** Send 40 NOTIFY_CONSUMER_IDS_CHANGED to members when a group's client set changes. */
  readonly notify: boolean;
}

/**
 * The broker's client registry (Java ConsumerManager + ProducerManager, §2.3): fed by HEART_BEAT,
 * UNREGISTER_CLIENT, connection close and the expiry scan.
 */
export class ClientManager {
  private readonly consumers = new Map<string, ConsumerGroupInfo>();
  /** producer group → connection id → channel. */
  private readonly producers = new Map<string, Map<string, ClientChannel>>();
  /** Connections whose close we already listen to. */
  private readonly watched = new Set<string>();

  constructor(private readonly options: ClientManagerOptions) {}

  /** Register or refresh everything one heartbeat names; returns the consumer groups whose client set changed. */
  heartbeat(connection: RemotingConnection, data: HeartbeatData, language: string, version: number): string[] {
    this.watch(connection);
    const now = this.options.clock.monotonic();
    const channel = (): ClientChannel => ({ clientId: data.clientID, connection, language, version, lastUpdate: now });
    const changed: string[] = [];
    for (const consumer of data.consumerDataSet) {
      if (this.registerConsumer(consumer, connection, channel, now)) changed.push(consumer.groupName);
    }
    for (const producer of data.producerDataSet) {
      let group = this.producers.get(producer.groupName);
      if (group === undefined) this.producers.set(producer.groupName, (group = new Map()));
      const existing = group.get(connection.id);
      if (existing !== undefined && existing.clientId === data.clientID) existing.lastUpdate = now;
      else group.set(connection.id, channel());
    }
    this.notifyChanged(changed);
    return changed;
  }

  private registerConsumer(consumer: ConsumerData, connection: RemotingConnection, channel: () => ClientChannel, now: number): boolean {
    let info = this.consumers.get(consumer.groupName);
    if (info === undefined) {
      info = { group: consumer.groupName, messageModel: consumer.messageModel, consumeFromWhere: consumer.consumeFromWhere, consumeType: consumer.consumeType, channels: new Map(), subscriptions: new Map() };
      this.consumers.set(consumer.groupName, info);
    }
    info.messageModel = consumer.messageModel;
    info.consumeFromWhere = consumer.consumeFromWhere;
    info.consumeType = consumer.consumeType;
    for (const sub of consumer.subscriptionDataSet) {
      const old = info.subscriptions.get(sub.topic);
      if (old === undefined || sub.subVersion >= old.subVersion) info.subscriptions.set(sub.topic, sub);
    }
    const existing = info.channels.get(connection.id);
    if (existing !== undefined && existing.clientId === channel().clientId) {
      existing.lastUpdate = now;
      return false;
    }
    const before = this.consumerIds(consumer.groupName).join('\n');
    info.channels.set(connection.id, channel());
    return this.consumerIds(consumer.groupName).join('\n') !== before;
  }

  /** UNREGISTER_CLIENT (§2.11): drop `clientId` from the named groups at once. */
  unregister(clientId: string, producerGroup: string | undefined, consumerGroup: string | undefined): void {
    if (producerGroup !== undefined) {
      const group = this.producers.get(producerGroup);
      for (const [id, ch] of group ?? []) if (ch.clientId === clientId) group?.delete(id);
      if (group?.size === 0) this.producers.delete(producerGroup);
    }
    if (consumerGroup !== undefined) {
      const removed = this.removeConsumerChannels(consumerGroup, (ch) => ch.clientId === clientId);
      this.notifyChanged(removed ? [consumerGroup] : []);
    }
  }

  /** Connection closed: every client on it is gone (§2.3 step 5). */
  connectionClosed(connectionId: string): string[] {
    this.watched.delete(connectionId);
    return this.removeWhere((ch) => ch.connection.id === connectionId, 'connection closed');
  }

  /** Drop clients whose last heartbeat is older than clientExpiryMs; returns the changed consumer groups. */
  scanExpired(): string[] {
    const limit = this.options.clock.monotonic() - this.options.clientExpiryMs;
    return this.removeWhere((ch) => ch.lastUpdate < limit, 'heartbeat expired');
  }

  /** Client ids of a consumer group over all connections, deduplicated and sorted (§2.12). */
  consumerIds(group: string): string[] {
    const info = this.consumers.get(group);
    if (info === undefined) return [];
    return [...new Set([...info.channels.values()].map((ch) => ch.clientId))].sort();
  }

  consumerGroup(group: string): ConsumerGroupInfo | undefined {
    return this.consumers.get(group);
  }

  /** The subscription a heartbeat registered for (group, topic) (PULL_MESSAGE without the SUBSCRIPTION bit). */
  subscription(group: string, topic: string): SubscriptionData | undefined {
    return this.consumers.get(group)?.subscriptions.get(topic);
  }

  producerGroups(): string[] {
    return [...this.producers.keys()];
  }

  private watch(connection: RemotingConnection): void {
    if (this.watched.has(connection.id)) return;
    this.watched.add(connection.id);
    connection.onClose(() => this.connectionClosed(connection.id));
  }

  private removeWhere(pred: (ch: ClientChannel) => boolean, why: string): string[] {
    for (const [name, group] of this.producers) {
      for (const [id, ch] of group) if (pred(ch)) group.delete(id);
      if (group.size === 0) this.producers.delete(name);
    }
    const changed = [...this.consumers.keys()].filter((g) => this.removeConsumerChannels(g, pred));
    if (changed.length > 0) this.options.logger.info({ groups: changed, why }, 'consumer clients removed');
    this.notifyChanged(changed);
    return changed;
  }

  /** Remove matching channels; returns whether the group's id list changed. Empty groups are forgotten. */
  private removeConsumerChannels(group: string, pred: (ch: ClientChannel) => boolean): boolean {
    const info = this.consumers.get(group);
    if (info === undefined) return false;
    const before = this.consumerIds(group).join('\n');
    for (const [id, ch] of info.channels) if (pred(ch)) info.channels.delete(id);
    const changed = this.consumerIds(group).join('\n') !== before;
    if (info.channels.size === 0) this.consumers.delete(group);
    return changed;
  }

  /** §2.3 step 3: one-way 40 to each remaining member; never waits for an answer. */
  private notifyChanged(groups: readonly string[]): void {
    if (!this.options.notify) return;
    for (const group of groups) {
      const info = this.consumers.get(group);
      for (const ch of info?.channels.values() ?? []) {
        if (ch.connection.closed) continue;
        try {
          ch.connection.sendOneway({ code: RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, extFields: { consumerGroup: group } });
        } catch (e) {
          this.options.logger.debug({ err: e, group }, 'NOTIFY_CONSUMER_IDS_CHANGED not sent');
        }
      }
    }
  }
}
