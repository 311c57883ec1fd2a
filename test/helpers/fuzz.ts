import fc from 'fast-check';

/**
 * Byte chunks for protocol fuzzing: random bytes, valid packets/frames with one byte changed, and
 * valid ones cut short. Feed a door a valid opening packet, then these, then hang up.
 */
export function mutatedChunks(valid: readonly Buffer[]): fc.Arbitrary<Buffer[]> {
  const chunk = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([v, i, byte]) => {
      const copy = Buffer.from(v);
      copy[i % copy.length] = byte;
      return copy;
    }),
    fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([v, n]) => v.subarray(0, n % v.length)),
  );
  return fc.array(chunk, { minLength: 1, maxLength: 4 });
}
