import WebSocket from 'ws';
import { arg, procStats, startBrokerProcess, stopChild } from './broker-process.js';
import { createBenchTopic, httpBase, startBare } from './http.js';

/**
 * WebSocket door benchmark (issue 4): `npm run bench -- ws [--scenario NAME] [--count N] [--credits N]`.
 *  - bare-ws: a bare `ws` server pushing N JSON frames with 1 KiB base64 bodies under the same
 *    credit rule, the client acking each (bench/bare-servers.ts): the reference.
 *  - ws-push: N 1 KiB messages produced beforehand (HTTP, 32 per POST), then pushed by the broker to
 *    one clustering subscriber that acks every message; msgsPerSec over the consumption.
 */
const TOPIC = 'BenchWs';

/** Consume `count` message frames on `socket`, acking each; resolves with the seconds taken from the first. */
function consume(socket: WebSocket, count: number, subscription: () => string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let t0 = 0;
    const timer = setTimeout(() => reject(new Error(`only ${got} of ${count} messages in 120 s`)), 120_000);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; handle?: string; error?: unknown };
      if (frame.op === 'error') {
        clearTimeout(timer);
        reject(new Error(`error frame: ${JSON.stringify(frame.error)}`));
        return;
      }
      if (frame.op !== 'message') return;
      if (got === 0) t0 = performance.now();
      got++;
      socket.send(JSON.stringify({ op: 'ack', subscription: subscription(), handle: frame.handle }));
      if (got === count) {
        clearTimeout(timer);
        resolve((performance.now() - t0) / 1000);
      }
    });
  });
}

async function bareWs(count: number, credits: number): Promise<void> {
  const bare = await startBare('ws');
  try {
    const socket = new WebSocket(`ws://127.0.0.1:${bare.port}`);
    await new Promise((r, j) => socket.once('open', r).once('error', j));
    const done = consume(socket, count, () => 's');
    socket.send(JSON.stringify({ op: 'go', count, bytes: 1024, credits }));
    const secs = await done;
    socket.close();
    process.stdout.write(`${JSON.stringify({ bench: 'ws', scenario: 'bare-ws', msgsPerSec: Math.round(count / secs), count, credits })}\n`);
  } finally {
    await stopChild(bare.child);
  }
}

async function prefill(base: string, count: number): Promise<void> {
  const text = Buffer.alloc(1024, 97).toString('utf8');
  const body = JSON.stringify({ messages: Array.from({ length: 32 }, () => ({ body: text })) });
  let left = Math.ceil(count / 32);
  const worker = async (): Promise<void> => {
    while (left-- > 0) {
      const r = await fetch(`${base}/v1/topics/${TOPIC}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (!r.ok) throw new Error(`prefill: ${r.status} ${await r.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function wsPush(count: number, credits: number): Promise<void> {
  const broker = await startBrokerProcess('ws-push');
  try {
    const base = httpBase(broker);
    await createBenchTopic(base, TOPIC, 16);
    await prefill(base, count);
    const total = Math.ceil(count / 32) * 32;
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/ws`);
    await new Promise((r, j) => socket.once('open', r).once('error', j));
    let subscription: string | undefined;
    socket.on('message', (data) => {
      const f = JSON.parse(String(data)) as { op: string; subscription?: string };
      if (f.op === 'subscribed') subscription = f.subscription;
    });
    const cpu0 = procStats(broker.child.pid!).cpuSecs;
    const done = consume(socket, total, () => subscription);
    socket.send(JSON.stringify({ op: 'subscribe', id: 'b1', topic: TOPIC, group: 'BenchWsGroup', tags: '*', mode: 'clustering', credits }));
    const secs = await done;
    const s = procStats(broker.child.pid!);
    socket.close();
    process.stdout.write(`${JSON.stringify({ bench: 'ws', scenario: 'ws-push', msgsPerSec: Math.round(total / secs), count: total, credits, rssMb: s.rssMb, brokerCpuPct: Math.round(((s.cpuSecs - cpu0) / secs) * 100) })}\n`);
  } finally {
    await broker.stop();
  }
}

export async function main(argv: string[]): Promise<void> {
  const only = arg(argv, 'scenario');
  const count = Number(arg(argv, 'count') ?? 300_000);
  const credits = Number(arg(argv, 'credits') ?? 256);
  if (only !== undefined && !['bare-ws', 'ws-push'].includes(only)) throw new Error(`unknown scenario ${only}: bare-ws, ws-push`);
  if (only === undefined || only === 'bare-ws') await bareWs(count, credits);
  if (only === undefined || only === 'ws-push') await wsPush(count, credits);
}
