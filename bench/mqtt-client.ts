import mqtt from 'mqtt';

/**
 * One side of the MQTT bench in its own process (`node --import=tsx bench/mqtt-client.ts`):
 *  - `sub URL COUNT`: subscribes to bench/# at QoS 1, prints `ready`, then one JSON line once it has
 *    COUNT messages: first/last receive time (epoch ms) and end-to-end latency percentiles (the
 *    payload starts with the send time).
 *  - `pub URL COUNT WINDOW BYTES`: publishes COUNT messages of BYTES at QoS 1 to bench/load with at
 *    most WINDOW unacknowledged, then prints one JSON line with its start time and duration.
 */
const [role, url, countArg, windowArg, bytesArg] = process.argv.slice(2);
const count = Number(countArg);
const now = (): number => performance.timeOrigin + performance.now();

if (role === 'sub') {
  const client = mqtt.connect(url!, { clientId: `bench-sub-${process.pid}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  const lat: number[] = [];
  let first = 0;
  // A broker that drops messages would leave this waiting: give up after 30 s without one.
  let idle = setTimeout(() => giveUp(), 30_000);
  const giveUp = (): void => {
    process.stderr.write(`mqtt bench subscriber: ${lat.length} of ${count} messages, then 30 s of nothing\n`);
    process.exit(3);
  };
  client.on('connect', () => {
    client.subscribe('bench/#', { qos: 1 }, (err) => {
      if (err) throw err;
      process.stdout.write('ready\n');
    });
  });
  client.on('message', (_topic, payload) => {
    const t = now();
    clearTimeout(idle);
    idle = setTimeout(() => giveUp(), 30_000);
    if (lat.length === 0) first = t;
    lat.push(t - payload.readDoubleLE(0));
    if (lat.length === count) {
      lat.sort((a, b) => a - b);
      const pct = (p: number): number => Math.round(lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))]! * 1000) / 1000;
      process.stdout.write(`${JSON.stringify({ received: count, first, last: t, p50Ms: pct(50), p99Ms: pct(99) })}\n`);
      clearTimeout(idle);
      client.end(false, {}, () => process.exit(0));
    }
  });
} else if (role === 'pub') {
  const window = Number(windowArg);
  const payload = Buffer.alloc(Number(bytesArg), 97);
  const client = mqtt.connect(url!, { clientId: `bench-pub-${process.pid}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  client.on('connect', () => {
    const start = now();
    let sent = 0;
    let acked = 0;
    const pump = (): void => {
      while (sent < count && sent - acked < window) {
        sent++;
        const body = Buffer.from(payload);
        body.writeDoubleLE(now(), 0);
        client.publish('bench/load', body, { qos: 1 }, (err) => {
          if (err) throw err;
          acked++;
          if (acked === count) {
            process.stdout.write(`${JSON.stringify({ sent: count, start, secs: (now() - start) / 1000 })}\n`);
            client.end(false, {}, () => process.exit(0));
          } else pump();
        });
      }
    };
    pump();
  });
} else {
  process.stderr.write('usage: mqtt-client.ts sub URL COUNT | pub URL COUNT WINDOW BYTES\n');
  process.exit(2);
}
