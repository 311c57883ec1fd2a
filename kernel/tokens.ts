import type { DependencyContainer } from 'tsyringe';
import type { Logger } from 'pino';
import type { Meter } from '@opentelemetry/api';
import type { Clock, Random } from './services.js';
import type { KernelInfo } from './services.js';
import type { MessageStore } from './messaging/store.js';
import type { FlushPolicy } from './messaging/flush.js';
import type { MessageIndex } from './messaging/index-contract.js';
import type { MetadataStore } from './messaging/metadata.js';
import type { Messaging } from './messaging/api.js';
import type { Auth } from './messaging/auth.js';
import type { Replication } from './messaging/replication.js';
import type { DoorRegistry } from './messaging/door.js';
import type { PopService } from './messaging/pop.js';

/**
 * A typed dependency-injection token: a symbol with a readable description. `T` is carried only in
 * the type so `resolve(container, token)` cannot drift from what was registered.
 */
export interface Token<T> {
  readonly symbol: symbol;
  readonly description: string;
  /** Phantom field: never set at run time. */
  readonly __type?: T;
}

export function token<T>(description: string): Token<T> {
  return Object.freeze({ symbol: Symbol(description), description });
}

/** Resolve a token from a container, typed by the token. Throws if nothing is registered. */
export function resolve<T>(container: DependencyContainer, t: Token<T>): T {
  return container.resolve<T>(t.symbol);
}

export function resolveOptional<T>(container: DependencyContainer, t: Token<T>): T | undefined {
  return container.isRegistered(t.symbol, true) ? container.resolve<T>(t.symbol) : undefined;
}

export function registerValue<T>(container: DependencyContainer, t: Token<T>, value: T): void {
  container.register<T>(t.symbol, { useValue: value });
}

// ── kernel-provided services ───────────────────────────────────────────────────────────────────
export const LOGGER = token<Logger>('cometmq:kernel/Logger');
export const CLOCK = token<Clock>('cometmq:kernel/Clock');
export const RANDOM = token<Random>('cometmq:kernel/Random');
export const KERNEL_INFO = token<KernelInfo>('cometmq:kernel/KernelInfo');
export const METER = token<Meter>('cometmq:kernel/Meter');
export const DOOR_REGISTRY = token<DoorRegistry>('cometmq:kernel/DoorRegistry');

// ── plugin contracts (the design card's plugin kinds) ──────────────────────────────────────────
export const MESSAGE_STORE = token<MessageStore>('cometmq:store/MessageStore');
export const FLUSH_POLICY = token<FlushPolicy>('cometmq:store/FlushPolicy');
export const MESSAGE_INDEX = token<MessageIndex>('cometmq:index/MessageIndex');
export const METADATA = token<MetadataStore>('cometmq:metadata/MetadataStore');
export const AUTH = token<Auth>('cometmq:auth/Auth');
export const REPLICATION = token<Replication>('cometmq:ha/Replication');
/** The in-process messaging API every door calls. */
export const MESSAGING = token<Messaging>('cometmq:messaging/Messaging');
/** Pop-style consumption with receipt handles (HTTP receive/ack, WebSocket clustering). */
export const POP = token<PopService>('cometmq:messaging/Pop');
