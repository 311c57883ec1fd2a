/**
 * Child of sdk-shutdown.test.ts: runs every SDK client kind against `argv[2]` (name server) on topic
 * `argv[3]`, consumes one message with each push consumer, shuts everything down and prints the
 * process's remaining active resources as one JSON line. It never calls process.exit: the parent
 * checks that the process ends by itself (no timer or socket left behind).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Producer, PullConsumer, PushConsumer } from '../../sdk-node/index.js';

const [namesrvAddr, topic] = process.argv.slice(2) as [string, string];
const base = { namesrvAddr, clientIP: '127.0.0.1', suspendMs: 500 };
const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-shutdown-'));

const producer = new Producer({ ...base, groupName: 'PX' });
const seen = new Set<string>();
const push = (groupName: string, extra: object, orderly = false): PushConsumer =>
  new PushConsumer({ ...base, groupName, offsetStoreDir: dir, ...extra }).subscribe(topic).onMessage(() => void seen.add(groupName), { orderly });
const consumers = [push('GX1', {}), push('GX2', {}, true), push('GX3', { messageModel: 'BROADCASTING' })];
const pull = new PullConsumer({ ...base, groupName: 'GX4' }).subscribe(topic);

await producer.start();
for (const c of consumers) await c.start();
await pull.start();
await producer.send({ topic, body: 'bye' });
const deadline = Date.now() + 10_000;
while (seen.size < consumers.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const polled = await pull.poll({ timeoutMs: 2000 });

for (const c of consumers) await c.shutdown();
await pull.shutdown();
await producer.shutdown();
await rm(dir, { recursive: true, force: true });
await new Promise((r) => setImmediate(r));
process.stdout.write(`${JSON.stringify({ consumed: seen.size, polled: polled.length, resources: process.getActiveResourcesInfo() })}\n`);
