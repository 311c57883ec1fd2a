import { Client } from '@stomp/stompjs';
import { WebSocket } from 'ws';

/**
 * One side of the STOMP bench in its own process (`node --import=tsx bench/stomp-client.ts`), with
 * @stomp/stompjs over WebSocket:
 *  - `sub URL COUNT`: subscribes to /queue/BenchStomp with ack client-individual, acks every message,
 *    prints `ready`, then one JSON line with its last receive time and latency percentiles (the
 *    `sent-at` header carries the send time).
 *  - `pub URL COUNT BYTES`: sends COUNT messages of BYTES, a RECEIPT asked every 256 and at most 8
 *    receipts outstanding, then prints one JSON line with its start time.
 */
const [role, url, countArg, bytesArg] = process.argv.slice(2);
const count = Number(countArg);
const now = (): number => performance.timeOrigin + performance.now();
const DEST = '/queue/BenchStomp';

const client = new Client({
  webSocketFactory: () => new WebSocket(url!, ['v12.stomp']),
  reconnectDelay: 0,
  heartbeatIncoming: 0,
  heartbeatOutgoing: 0,
});

if (role === 'sub') {
  const lat: number[] = [];
  client.onConnect = () => {
    client.subscribe(
      DEST,
      (m) => {
        const t = now();
        lat.push(t - Number(m.headers['sent-at']));
        m.ack();
        if (lat.length === count) {
          lat.sort((a, b) => a - b);
          const pct = (p: number): number => Math.round(lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))]! * 1000) / 1000;
          process.stdout.write(`${JSON.stringify({ received: count, last: t, p50Ms: pct(50), p99Ms: pct(99) })}\n`);
          void client.deactivate().then(() => process.exit(0));
        }
      },
      { ack: 'client-individual' },
    );
    // The subscription is in place once this receipt comes back (frames are handled in order).
    client.watchForReceipt('ready', () => process.stdout.write('ready\n'));
    client.publish({ destination: '/topic/BenchSync', body: '', headers: { receipt: 'ready' } });
  };
} else if (role === 'pub') {
  const body = 'a'.repeat(Number(bytesArg));
  client.onConnect = async () => {
    const start = now();
    let outstanding = 0;
    let wake: (() => void) | undefined;
    for (let i = 0; i < count; i++) {
      const headers: Record<string, string> = { 'sent-at': String(now()) };
      if (i % 256 === 255 || i === count - 1) {
        const receipt = `r${i}`;
        headers.receipt = receipt;
        outstanding++;
        client.watchForReceipt(receipt, () => {
          outstanding--;
          wake?.();
        });
      }
      client.publish({ destination: DEST, body, headers });
      while (outstanding > 8) await new Promise<void>((r) => (wake = r));
    }
    while (outstanding > 0) await new Promise<void>((r) => (wake = r));
    process.stdout.write(`${JSON.stringify({ sent: count, start, secs: (now() - start) / 1000 })}\n`);
    await client.deactivate();
    process.exit(0);
  };
} else {
  process.stderr.write('usage: stomp-client.ts sub URL COUNT | pub URL COUNT BYTES\n');
  process.exit(2);
}
client.activate();
