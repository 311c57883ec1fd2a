import test from 'ava';
import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { PacketSplitter } from './framing.js';

const packets: Packet[] = [
  { cmd: 'pingreq' },
  { cmd: 'publish', topic: 'a/b', payload: Buffer.alloc(300, 1), qos: 1, messageId: 7, retain: false, dup: false },
  { cmd: 'publish', topic: 'a', payload: Buffer.alloc(20_000, 2), qos: 0, retain: false, dup: false },
  { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'x/#', qos: 2 }] },
];

test('whole packets come out however the stream is cut', (t) => {
  const bytes = Buffer.concat(packets.map((p) => generate(p)));
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: bytes.length }), { maxLength: 20 }), (cuts) => {
      const s = new PacketSplitter(1 << 20);
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const out: Buffer[] = [];
      let from = 0;
      for (const p of [...points, bytes.length]) {
        for (const ev of s.push(bytes.subarray(from, p))) {
          if (ev.kind !== 'packet') throw new Error(ev.kind);
          out.push(ev.bytes);
        }
        from = p;
      }
      return Buffer.concat(out).equals(bytes) && out.length === packets.length;
    }),
  );
  t.pass();
});

test('a packet over the limit is refused from its header, before its body arrives', (t) => {
  const s = new PacketSplitter(1024);
  const header = generate({ cmd: 'publish', topic: 'a', payload: Buffer.alloc(5000), qos: 0, retain: false, dup: false }).subarray(0, 4);
  const ev = s.push(header);
  t.is(ev[0]?.kind, 'tooLarge');
});

test('a remaining length longer than four bytes is malformed', (t) => {
  const s = new PacketSplitter(1 << 28);
  t.is(s.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))[0]?.kind, 'malformed');
});
