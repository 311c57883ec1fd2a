// Tick source for the fixed-rate bench producer (bench/native-client.ts): posts a message every
// `periodMs`, sleeping in between with Atomics.wait (a futex with microsecond precision). Timers in
// the producer itself wake only every 1–2 ms, which would be charged to the latencies measured.
// The loop never yields to this thread's event loop: a stop request arrives as a flag in shared
// memory (`control[0] = 1`), so each tick costs one futex wait and one postMessage.
import { parentPort, workerData } from 'node:worker_threads';

const { periodMs, control } = workerData;
const flags = new Int32Array(control);
const start = performance.now();
for (let n = 1; Atomics.load(flags, 0) === 0; n++) {
  const wait = start + n * periodMs - performance.now();
  if (wait > 0) Atomics.wait(flags, 0, 0, wait);
  if (Atomics.load(flags, 0) !== 0) break;
  parentPort.postMessage(n);
}
