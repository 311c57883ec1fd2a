import type { Logger } from 'pino';
import { CometError } from '../../../kernel/errors.js';
import type { RemotingCommand } from '../../../kernel/protocol/remoting/command.js';
import type { RemotingConnection } from '../../../kernel/protocol/remoting/transport.js';
import type { RouteInfoManager } from '../route-info-manager.js';

/** What every name server processor works with. */
export interface NamesrvContext {
  readonly routes: RouteInfoManager;
  /** Monotonic milliseconds (registration times, expiry). */
  readonly now: () => number;
  readonly logger: Logger;
  /** Remove the brokers registered over this connection when it closes (hooked once per connection). */
  readonly watchConnection: (connection: RemotingConnection) => void;
}

/** A required extFields value (§1.3: always strings); missing or empty is REMOTING_HEADER_INVALID (answered 1). */
export function field(request: RemotingCommand, name: string): string {
  const v = Object.hasOwn(request.extFields, name) ? request.extFields[name] : undefined;
  if (v === undefined || v === '') throw new CometError('REMOTING_HEADER_INVALID', `request ${request.code}: the field ${name} is missing`);
  return v;
}

export function optionalField(request: RemotingCommand, name: string): string | undefined {
  const v = Object.hasOwn(request.extFields, name) ? request.extFields[name] : undefined;
  return v === '' ? undefined : v;
}

/** A required non-negative integer field (brokerId, bodyCrc32). */
export function intField(request: RemotingCommand, name: string): number {
  const text = field(request, name).trim();
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < 0) {
    throw new CometError('REMOTING_HEADER_INVALID', `request ${request.code}: the field ${name}=${JSON.stringify(text)} is not a non-negative integer`);
  }
  return n;
}
