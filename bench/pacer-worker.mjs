// Tick source for the fixed-rate bench producer (bench/native-client.ts): posts a message every
// `periodMs`, sleeping in between with Atomics.wait (a futex with microsecond precision). Timers in
// the producer itself wake only every 1–2 ms, which would be charged to the latencies measured.
import { parentPort, workerData } from 'node:worker_threads';

const { periodMs } = workerData;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const start = performance.now();
let stop = false;
parentPort.once('message', () => (stop = true));
for (let n = 1; !stop; n++) {
  const wait = start + n * periodMs - performance.now();
  if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
  parentPort.postMessage(n);
  // Let the 'message' listener above see a stop request.
  await new Promise((r) => setImmediate(r));
}
