/**
 * Best-effort recovery of the `opaque` of a frame that failed to decode, so the server can answer
 * REMOTING_FRAME_INVALID to the right request before closing (shared/rocketmq-protocol.md §1.2–§1.5).
 * Returns undefined when no integer opaque can be read; never throws.
 */
export function peekOpaque(content: Buffer): number | undefined {
  if (content.length < 4) return undefined;
  const word = content.readInt32BE(0);
  const type = (word >>> 24) & 0xff;
  const header = content.subarray(4, 4 + Math.min(word & 0xffffff, content.length - 4));
  if (type === 0) return jsonOpaque(header);
  // §1.5 binary header: short code, byte language, short version, int opaque.
  if (type === 1 && header.length >= 9) return header.readInt32BE(5);
  return undefined;
}

const OPAQUE_PATTERN = /"opaque"\s*:\s*"?(-?\d{1,10})"?/;

function jsonOpaque(header: Buffer): number | undefined {
  const text = header.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const v = (parsed as Record<string, unknown>).opaque;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return n;
    return undefined;
  }
  const m = OPAQUE_PATTERN.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return n >= -0x80000000 && n <= 0x7fffffff ? n : undefined;
}
