import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { arg } from './broker-process.js';

/**
 * mqtt-packet as the MQTT door uses it: `npm run bench -- mqtt-codec [--count N]`. One JSON line per
 * operation (parse or generate of a 1 KiB QoS 1 PUBLISH and of a PUBACK, one packet per call), in µs
 * per packet: the per-message codec cost inside the broker (docs/performance.md "MQTT and STOMP doors").
 */
const PAYLOAD = Buffer.alloc(1024, 97);
const PUBLISH: Packet = { cmd: 'publish', topic: 'bench/load', payload: PAYLOAD, qos: 1, messageId: 9, retain: false, dup: false };
const PUBACK: Packet = { cmd: 'puback', messageId: 7 };

function timeIt(count: number, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(count, 20_000); i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / 1000 / count;
}

function parseCost(packet: Packet, count: number): number {
  const p = createParser({ protocolVersion: 4 });
  let parsed = 0;
  p.on('packet', () => parsed++);
  const bytes = generate(packet, { protocolVersion: 4 });
  const us = timeIt(count, () => p.parse(bytes));
  if (parsed < count) throw new Error(`parsed ${parsed} of ${count}`);
  return us;
}

export async function main(argv: string[]): Promise<void> {
  const count = Number(arg(argv, 'count') ?? 500_000);
  const line = (scenario: string, usPerPacket: number): void => {
    process.stdout.write(`${JSON.stringify({ bench: 'mqtt-codec', scenario, usPerPacket: Math.round(usPerPacket * 1000) / 1000, msgsPerSec: Math.round(1e6 / usPerPacket), count })}\n`);
  };
  line('parse-publish-1k', parseCost(PUBLISH, count));
  line('parse-puback', parseCost(PUBACK, count));
  line('generate-publish-1k', timeIt(count, (i) => generate({ ...PUBLISH, messageId: (i % 65_535) + 1 } as Packet, { protocolVersion: 4 })));
  line('generate-puback', timeIt(count, (i) => generate({ cmd: 'puback', messageId: (i % 65_535) + 1 }, { protocolVersion: 4 })));
}
