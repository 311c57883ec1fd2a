/**
 * Splits a byte stream into whole MQTT control packets (fixed header §2.1: one type byte, then the
 * Remaining Length as a variable byte integer of at most four bytes) and refuses a packet whose
 * declared size exceeds the limit before buffering its body. mqtt-packet's parser buffers whatever
 * length a header declares, so this small check runs in front of it.
 */
export type FrameEvent = { readonly kind: 'packet'; readonly bytes: Buffer } | { readonly kind: 'tooLarge'; readonly size: number } | { readonly kind: 'malformed'; readonly reason: string };

export class PacketSplitter {
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feed bytes; returns the events of every packet now complete (stops at the first error). */
  push(chunk: Buffer): FrameEvent[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: FrameEvent[] = [];
    for (;;) {
      const head = this.#peekHeader();
      if (head === undefined) break;
      if (head.kind !== 'size') {
        out.push(head);
        return out;
      }
      const total = head.headerBytes + head.remaining;
      if (total > this.maxPacketBytes) {
        out.push({ kind: 'tooLarge', size: total });
        return out;
      }
      if (this.#buffered < total) break;
      out.push({ kind: 'packet', bytes: this.#take(total) });
    }
    return out;
  }

  #peekHeader(): { kind: 'size'; headerBytes: number; remaining: number } | { kind: 'malformed'; reason: string } | undefined {
    if (this.#buffered < 2) return undefined;
    let multiplier = 1;
    let value = 0;
    for (let i = 1; i <= 4; i++) {
      if (i >= this.#buffered) return undefined;
      const byte = this.#byteAt(i);
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return { kind: 'size', headerBytes: 1 + i, remaining: value };
      multiplier *= 128;
    }
    return { kind: 'malformed', reason: 'the remaining length is longer than four bytes' };
  }

  #byteAt(i: number): number {
    for (const c of this.#chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    throw new Error('byteAt past the buffered bytes');
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.#chunks[0]!;
        const take = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, take);
        filled += take;
        if (take === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(take);
      }
    }
    this.#buffered -= n;
    return out;
  }
}
