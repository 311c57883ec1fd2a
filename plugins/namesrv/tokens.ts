import { token, type Token } from '../../kernel/tokens.js';

/** The embedded name server, for plugins in the same kernel (broker-registration registers with it). */
export interface NameServerHandle {
  /** `host:port` a client in this process can connect to (a wildcard listen host becomes the advertised host). */
  address(): string;
}

export const NAMESRV: Token<NameServerHandle> = token<NameServerHandle>('cometmq:namesrv/NameServer');
