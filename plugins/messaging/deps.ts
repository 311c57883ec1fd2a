import type { Logger } from 'pino';
import type { Clock } from '../../kernel/services.js';
import type { Auth, Identity } from '../../kernel/messaging/auth.js';
import type { HostAddress } from '../../kernel/messaging/message.js';
import type { MessageIndex } from '../../kernel/messaging/index-contract.js';
import type { MetadataStore } from '../../kernel/messaging/metadata.js';
import type { MessageStore } from '../../kernel/messaging/store.js';

/** What the messaging service is built from; the plugin fills it from the container, tests from fakes. */
export interface MessagingDeps {
  readonly store: MessageStore;
  readonly metadata: MetadataStore;
  readonly auth: Auth;
  /** Optional: without it, lookups by key or UNIQ_KEY find nothing. */
  readonly index?: MessageIndex;
  readonly clock: Clock;
  /** This broker's store host (KernelInfo advertisedHost/advertisedPort): the host part of offset msgIds. */
  readonly storeHost: HostAddress;
  readonly logger?: Logger;
}

/** The identity used when a caller passes none: the least privileged one, so an ACL applies to it. */
export const ANONYMOUS_IDENTITY: Identity = Object.freeze({ kind: 'anonymous' });
