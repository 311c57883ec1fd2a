import type { Logger } from 'pino';
import type { RemotingCommand } from '../../kernel/protocol/remoting/command.js';
import type { RemotingConnection } from '../../kernel/protocol/remoting/transport.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { HostAddress } from '../../kernel/messaging/message.js';
import type { Clock, KernelInfo } from '../../kernel/services.js';
import type { ClientManager } from './client-manager.js';
import type { RemotingConfig } from './config.js';
import type { HeldPulls } from './held-pulls.js';
import type { RebalanceLockManager } from './lock-manager.js';

/** Everything a request processor may use. Built once per door by createBroker(). */
export interface BrokerContext {
  readonly messaging: Messaging;
  readonly clients: ClientManager;
  readonly locks: RebalanceLockManager;
  readonly held: HeldPulls;
  readonly config: RemotingConfig;
  readonly kernel: Pick<KernelInfo, 'brokerName' | 'clusterName' | 'advertisedHost' | 'advertisedPort'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One request code's handler (one file per code under processors/). */
export type BrokerProcessor = (
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

/** This broker's store host: the host part of every offset msgId (§3.4). */
export function storeHost(ctx: Pick<BrokerContext, 'kernel'>): HostAddress {
  return { address: ctx.kernel.advertisedHost, port: ctx.kernel.advertisedPort };
}

/**
 * The peer as a record's BORNHOST. transport.ts documents `remoteAddress` as the peer IP (IPv4-mapped
 * shown as IPv4); tolerate an `ip:port` form too.
 */
export function peerHost(connection: Pick<RemotingConnection, 'remoteAddress' | 'remotePort'>): HostAddress {
  let address = connection.remoteAddress;
  if (address.startsWith('::ffff:')) address = address.slice(7);
  const colon = address.lastIndexOf(':');
  if (colon > 0 && address.indexOf(':') === colon) address = address.slice(0, colon);
  return { address, port: connection.remotePort };
}
