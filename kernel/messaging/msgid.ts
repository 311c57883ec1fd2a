import { CometError } from '../errors.js';
import type { HostAddress } from './message.js';

/**
 * Offset message id (shared/rocketmq-protocol.md §3.4): uppercase hex of the store host's IPv4 address
 * (4 bytes), its port (4 bytes) and the record's physical offset (8 bytes) — 32 characters.
 */
export interface OffsetMsgId {
  readonly storeHost: HostAddress;
  readonly physicalOffset: number;
}

/** IPv4 text (also `::ffff:a.b.c.d`) to 4 bytes; anything else maps to 0.0.0.0 (ali-ons reads IPv4 only). */
export function ipv4Bytes(address: string): [number, number, number, number] {
  const text = address.startsWith('::ffff:') ? address.slice(7) : address;
  const parts = text.split('.');
  if (parts.length !== 4) return [0, 0, 0, 0];
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (bytes.some((b) => !(b >= 0 && b <= 255))) return [0, 0, 0, 0];
  return [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
}

const HEX = '0123456789ABCDEF';

function hex(n: number, digits: number): string {
  let s = '';
  for (let i = digits - 1; i >= 0; i--) s += HEX[Math.floor(n / 16 ** i) % 16];
  return s;
}

/** Precompute the 16-character host prefix once per store; then each id costs one offset conversion. */
export function msgIdPrefix(storeHost: HostAddress): string {
  const [a, b, c, d] = ipv4Bytes(storeHost.address);
  return hex(a, 2) + hex(b, 2) + hex(c, 2) + hex(d, 2) + hex(storeHost.port >>> 0, 8);
}

export function encodeMsgId(storeHost: HostAddress, physicalOffset: number): string {
  return msgIdPrefix(storeHost) + offsetHex(physicalOffset);
}

/** 16 hex digits of a non-negative safe integer. */
export function offsetHex(physicalOffset: number): string {
  const s = physicalOffset.toString(16).toUpperCase();
  return s.length >= 16 ? s : '0'.repeat(16 - s.length) + s;
}

export function decodeMsgId(msgId: string): OffsetMsgId {
  if (!/^[0-9A-Fa-f]{32}$/.test(msgId)) {
    throw new CometError('MSG_ID_INVALID', `msgId ${JSON.stringify(msgId)} is not 32 hex characters`);
  }
  const byte = (i: number): number => parseInt(msgId.slice(i * 2, i * 2 + 2), 16);
  const address = `${byte(0)}.${byte(1)}.${byte(2)}.${byte(3)}`;
  const port = parseInt(msgId.slice(8, 16), 16);
  const physicalOffset = parseInt(msgId.slice(16, 32), 16);
  if (!Number.isSafeInteger(physicalOffset)) {
    throw new CometError('MSG_ID_INVALID', `msgId ${msgId} has an offset beyond 2^53`);
  }
  return { storeHost: { address, port }, physicalOffset };
}

export function isOffsetMsgId(msgId: string): boolean {
  return /^[0-9A-Fa-f]{32}$/.test(msgId);
}
