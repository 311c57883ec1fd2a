import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, childLines, median, procStats, startBrokerProcess, stopChild } from './broker-process.js';

/**
 * STOMP door benchmark (issue 5): `npm run bench -- stomp [--count N] [--runs N]`. A producer process
 * and a consumer process (@stomp/stompjs over WebSocket, bench/stomp-client.ts) at once on one
 * /queue, 1 KiB persistent messages, the consumer acking each (client-individual). msgsPerSec:
 * messages over producer start → last message acked at the consumer.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));

function client(role: 'sub' | 'pub', url: string, count: number): { child: ChildProcess; next: () => Promise<string> } {
  const child = spawn(process.execPath, ['--import=tsx', path.join(HERE, 'stomp-client.ts'), role, url, String(count), '1024'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const next = childLines(child, `stomp bench ${role}`);
  return { child, next };
}

async function runOnce(url: string, count: number): Promise<{ msgsPerSec: number; p50Ms: number; p99Ms: number }> {
  const sub = client('sub', url, count);
  try {
    if ((await sub.next()) !== 'ready') throw new Error('consumer did not get ready');
    const pub = client('pub', url, count);
    try {
      const p = JSON.parse(await pub.next()) as { start: number };
      const s = JSON.parse(await sub.next()) as { last: number; p50Ms: number; p99Ms: number };
      return { msgsPerSec: Math.round(count / ((s.last - p.start) / 1000)), p50Ms: s.p50Ms, p99Ms: s.p99Ms };
    } finally {
      await stopChild(pub.child);
    }
  } finally {
    await stopChild(sub.child);
  }
}


export async function main(argv: string[]): Promise<void> {
  const count = Number(arg(argv, 'count') ?? 50_000);
  const runs = Number(arg(argv, 'runs') ?? 3);
  const broker = await startBrokerProcess('stomp');
  try {
    const http = broker.doors.get('http');
    if (http === undefined) throw new Error('the broker printed no http door');
    const url = `${http.replace('http://', 'ws://').replace('0.0.0.0', '127.0.0.1')}/stomp`;
    await runOnce(url, Math.min(count, 10_000)); // warm-up
    const cpu0 = procStats(broker.child.pid!).cpuSecs;
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await runOnce(url, count));
    const s = procStats(broker.child.pid!);
    process.stdout.write(
      `${JSON.stringify({ bench: 'stomp', scenario: 'queue-client-individual', msgsPerSec: Math.round(median(results.map((r) => r.msgsPerSec))), p50Ms: median(results.map((r) => r.p50Ms)), p99Ms: median(results.map((r) => r.p99Ms)), runs: results.map((r) => r.msgsPerSec), count, bytes: 1024, transport: 'websocket', rssMb: s.rssMb, brokerCpuUsPerMsg: Math.round(((s.cpuSecs - cpu0) / (runs * count)) * 1e7) / 10 })}\n`,
    );
  } finally {
    await broker.stop();
  }
}
