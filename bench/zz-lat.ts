import { createKernel } from '../kernel/kernel.js';
import { MESSAGING } from '../kernel/tokens.js';
import { HTTP_DOOR } from '../plugins/http/tokens.js';
import fs from 'node:fs';
const dataDir = fs.mkdtempSync('/tmp/lm/lat-');
const kernel = createKernel({ config: { defaults: {}, values: { dataDir, log: { level: 'error' }, plugins: { http: { host: '127.0.0.1', port: 0 }, remoting: { host: '127.0.0.1', port: 0 }, namesrv: { host: '127.0.0.1', port: 0 } } }, env: {}, flags: {}, file: undefined, cwd: dataDir } } as never);
await kernel.start();
const m = kernel.resolve(MESSAGING);
await m.topics.create({ topicName: 'L', readQueueNums: 4, writeQueueNums: 4 });
const body = new Uint8Array(1024);
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!.toFixed(3);
let t: number[] = [];
for (let i = 0; i < 300; i++) { const s = performance.now(); await m.produce({ topic: 'L', body }); t.push(performance.now() - s); }
console.log('messaging.produce p50 ms', med(t));
const port = kernel.resolve(HTTP_DOOR).address()!.port;
t = [];
for (let i = 0; i < 300; i++) { const s = performance.now(); const r = await fetch(`http://127.0.0.1:${port}/v1/topics/L/messages`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } }); await r.arrayBuffer(); t.push(performance.now() - s); }
console.log('http produce p50 ms', med(t));
t = [];
for (let i = 0; i < 300; i++) { const s = performance.now(); const r = await fetch(`http://127.0.0.1:${port}/healthz`); await r.arrayBuffer(); t.push(performance.now() - s); }
console.log('http healthz p50 ms', med(t));
await kernel.stop('done');
fs.rmSync(dataDir, { recursive: true, force: true });
