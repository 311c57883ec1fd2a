import { createRemotingClient } from '../kernel/protocol/remoting/client.js';
import type { RemotingClient, RemotingClientOptions } from '../kernel/protocol/remoting/transport.js';

/** The SDK's transport: kernel/protocol/remoting/client.ts (one socket per broker/name server). */
export function createSdkRemotingClient(options: RemotingClientOptions): RemotingClient {
  return createRemotingClient(options);
}
