import test from 'ava';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sdkCluster } from './sdk-helpers.js';

const CHILD = fileURLToPath(new URL('./sdk-shutdown-child.ts', import.meta.url));

/**
 * shutdown() of every client kind leaves no timer or socket: a process that used a producer, three
 * push consumers (clustering, orderly, broadcasting) and a subscribed pull consumer exits by itself.
 */
test('after shutdown() of every client the process has no timers or sockets left and exits on its own', async (t) => {
  const { namesrvAddr, messaging } = await sdkCluster(t);
  await messaging.topics.create({ topicName: 'SdkX', readQueueNums: 2, writeQueueNums: 2 });
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, namesrvAddr, 'SdkX'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not exit within 30 s (it hangs on open handles)\nstdout: ${stdout}\nstderr: ${stderr}`)), 30_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  t.is(code, 0, stderr);
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { consumed: number; polled: number; resources: string[] };
  t.is(report.consumed, 3, 'each push consumer consumed');
  t.true(report.polled >= 1, 'the pull consumer polled');
  t.deepEqual(report.resources.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap'), [], 'no timer or socket left after shutdown');
});
