import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { Producer, PushConsumer } from '../sdk-node/index.js';
import type { ReceivedMessage } from '../sdk-node/index.js';
import { type ChildReport, type ClientCommand, type ProducerPlan, histogram, nowMs } from './native-protocol.js';

/**
 * A bench client process (forked by bench/native.ts, IPC channel): `producer` or `consumer`, using
 * sdk-node only. Message bodies are 1 KiB; the first 8 bytes hold the wall-clock send time in ms
 * (float64, performance.timeOrigin + performance.now(), sub-ms and comparable across processes).
 */
const role = process.argv[2];
/** Tick of the fixed-rate producer's pacer. */
const PACER_PERIOD_MS = 1;

function send(msg: ChildReport): Promise<void> {
  return new Promise((resolve) => process.send!(msg, undefined, {}, () => resolve()));
}

function toBase64(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

async function runProducer(namesrvAddr: string, plan: ProducerPlan): Promise<void> {
  const producer = new Producer({ groupName: 'BenchProducer', namesrvAddr, sendTimeoutMs: 10_000, retryTimesWhenSendFailed: 0 });
  await producer.start();
  // Warm the route cache so the first send does not pay the name-server round trip.
  await producer.send({ topic: plan.topic, body: Buffer.alloc(plan.bodyBytes) }).catch(() => undefined);
  await send({ type: 'ready' });
  const go = await nextCommand();
  if (go.type !== 'go') throw new Error(`producer expected go, got ${go.type}`);
  const h = histogram();
  const lag = histogram();
  const t0 = nowMs();
  const end = t0 + plan.durationMs;
  const warmEnd = t0 + plan.warmupMs;
  let produced = 0;
  let errors = 0;
  let errorSample: string | undefined;
  let issued = 0;
  const one = (intended: number): Promise<void> => {
    const body = Buffer.allocUnsafe(plan.bodyBytes);
    body.fill(0x61, 8);
    const start = nowMs();
    body.writeDoubleLE(start, 0);
    issued++;
    return producer.send({ topic: plan.topic, body }).then(
      () => {
        produced++;
        const done = nowMs();
        if (start >= warmEnd) h.recordValue(Math.max(1, Math.round((done - (plan.rate > 0 ? intended : start)) * 1000)));
      },
      (e: unknown) => {
        errors++;
        errorSample ??= e instanceof Error ? e.message.slice(0, 200) : String(e);
      },
    );
  };
  if (plan.rate > 0) {
    // Open loop at a fixed rate: on every tick of a 1 ms pacer (bench/pacer-worker.mjs), send what
    // the schedule says is due; latency counts from each message's intended time.
    const inflight = new Set<Promise<void>>();
    const control = new SharedArrayBuffer(4);
    const pacer = new Worker(new URL('./pacer-worker.mjs', import.meta.url), { workerData: { periodMs: PACER_PERIOD_MS, control } });
    await new Promise<void>((resolve) => {
      pacer.on('message', () => {
        const now = nowMs();
        if (now >= end) return resolve();
        const due = Math.floor(((now - t0) * plan.rate) / 1000);
        while (issued < due) {
          const intended = t0 + (issued * 1000) / plan.rate;
          if (intended >= warmEnd) lag.recordValue(Math.max(1, Math.round((now - intended) * 1000)));
          const p = one(intended);
          inflight.add(p);
          void p.then(() => inflight.delete(p));
        }
      });
    });
    const stopped = new Promise((resolve) => pacer.once('exit', resolve));
    const flags = new Int32Array(control);
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    await stopped;
    await Promise.all(inflight);
  } else {
    // Closed loop: keep `inflight` sends outstanding until the duration is over.
    const worker = async (): Promise<void> => {
      while (nowMs() < end) await one(0);
    };
    await Promise.all(Array.from({ length: plan.inflight }, worker));
  }
  const secs = (nowMs() - t0) / 1000;
  await producer.shutdown();
  await send({ type: 'producerDone', produced, errors, secs, t0, latency: toBase64(h), scheduleLag: toBase64(lag), ...(errorSample === undefined ? {} : { errorSample }), rssMb: Math.round(process.resourceUsage().maxRSS / 1024) });
}

async function runConsumer(namesrvAddr: string, topic: string, warmupMs: number, consumeConcurrency: number, pullBatchSize: number): Promise<void> {
  const consumer = new PushConsumer({ groupName: 'BenchConsumer', namesrvAddr, consumeConcurrency, pullBatchSize, suspendMs: 15_000 });
  const e2e = histogram();
  let consumed = 0;
  let last = 0;
  let goAt = Number.POSITIVE_INFINITY;
  let expected = Number.POSITIVE_INFINITY;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  // Offsets seen, one bit each per queue: no allocation per message (a Set of keys made the
  // consumer promote and mark-compact its way through the run, adding pauses to every figure).
  const seen = new Map<number, Uint8Array>();
  const firstSeen = (queueId: number, offset: number): boolean => {
    let bits = seen.get(queueId);
    if (bits === undefined || offset >> 3 >= bits.length) {
      const grown = new Uint8Array(Math.max(1024, (offset >> 3) * 2));
      if (bits !== undefined) grown.set(bits);
      seen.set(queueId, (bits = grown));
    }
    const mask = 1 << (offset & 7);
    if ((bits[offset >> 3]! & mask) !== 0) return false;
    bits[offset >> 3]! |= mask;
    return true;
  };
  let duplicates = 0;
  consumer.subscribe(topic).onMessage((msg: ReceivedMessage) => {
    const now = nowMs();
    if (!firstSeen(msg.queueId, msg.queueOffset)) duplicates++;
    const born = msg.body.readDoubleLE(0);
    if (born >= goAt + warmupMs) e2e.recordValue(Math.max(1, Math.round((now - born) * 1000)));
    if (born > 0) {
      consumed++;
      last = now;
    }
    if (consumed >= expected) finish();
  });
  await consumer.start();
  const deadline = Date.now() + 20_000;
  while (consumer.assignedQueues().filter((q) => q.topic === topic).length < 16) {
    if (Date.now() > deadline) throw new Error('consumer never got its 16 queues');
    await new Promise((r) => setTimeout(r, 50));
  }
  await send({ type: 'ready' });
  for (;;) {
    const cmd = await nextCommand();
    if (cmd.type === 'go') goAt = cmd.t0;
    else if (cmd.type === 'expect') {
      expected = cmd.total;
      if (consumed >= expected) finish();
      const timer = setTimeout(finish, cmd.timeoutMs);
      await finished;
      clearTimeout(timer);
      break;
    }
  }
  await consumer.shutdown();
  await send({ type: 'consumerDone', consumed, duplicates, last, e2e: toBase64(e2e), rssMb: Math.round(process.resourceUsage().maxRSS / 1024) });
}

const queue: ClientCommand[] = [];
let waiter: ((c: ClientCommand) => void) | undefined;
process.on('message', (m: ClientCommand) => {
  if (waiter !== undefined) {
    const w = waiter;
    waiter = undefined;
    w(m);
  } else queue.push(m);
});
function nextCommand(): Promise<ClientCommand> {
  const q = queue.shift();
  if (q !== undefined) return Promise.resolve(q);
  return new Promise((r) => (waiter = r));
}

const init = await nextCommand();
if (init.type !== 'init') throw new Error('expected init');
if (role === 'producer') await runProducer(init.namesrvAddr, init.plan);
else await runConsumer(init.namesrvAddr, init.plan.topic, init.plan.warmupMs, init.consumeConcurrency, init.pullBatchSize);
// Exit explicitly (also writes a --cpu-prof profile): the report is delivered.
process.exit(0);
