import test, { type ExecutionContext } from 'ava';
import { createKernel, type Kernel } from '../../kernel/kernel.js';
import { HTTP_DOOR } from '../../plugins/http/tokens.js';
import { captureLogger } from '../helpers/kernel-logs.js';
import { tempDir } from '../helpers/kernel-harness.js';
import { call, HTTP_LOAD } from './http-helpers.js';

async function boot(t: ExecutionContext, dataDir: string): Promise<{ kernel: Kernel; base: string }> {
  const kernel = createKernel({
    logger: captureLogger('info').logger,
    config: { defaults: { load: [] }, values: { dataDir, load: HTTP_LOAD, plugins: { http: { host: '127.0.0.1', port: 0 } } }, env: {}, flags: {}, file: undefined, cwd: dataDir },
  });
  t.teardown(() => kernel.stop('test teardown').then(() => undefined));
  await kernel.start();
  const address = kernel.resolve(HTTP_DOOR).address();
  if (address === undefined) throw new Error('the HTTP door is not listening');
  return { kernel, base: `http://127.0.0.1:${address.port}` };
}

interface Received {
  messages: { receiptHandle: string; body: string; deliveryAttempt: number }[];
}

test('receipt handles survive a broker restart: ack after it, and what was not acked comes again', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-http-restart-');
  const first = await boot(t, dataDir);
  await call(first.base, 'PUT', '/v1/topics/Durable', { readQueueNums: 1, writeQueueNums: 1 });
  await call(first.base, 'POST', '/v1/topics/Durable/messages', { messages: [{ body: 'acked-after-restart' }, { body: 'never-acked' }] });
  const got = await call<Received>(first.base, 'POST', '/v1/groups/GD/topics/Durable/receive', { max: 2, waitMs: 2000, invisibleMs: 1000 });
  t.is(got.body.messages.length, 2);
  await first.kernel.stop('restart');

  const second = await boot(t, dataDir);
  const keep = got.body.messages.find((m) => m.body === 'acked-after-restart')!;
  const acked = await call(second.base, 'POST', '/v1/groups/GD/ack', { receiptHandles: [keep.receiptHandle] });
  t.is(acked.status, 200, JSON.stringify(acked.body));
  const again = await call<Received>(second.base, 'POST', '/v1/groups/GD/topics/Durable/receive', { max: 2, waitMs: 10_000 });
  t.deepEqual(again.body.messages.map((m) => m.body), ['never-acked']);
  t.is(again.body.messages[0]!.deliveryAttempt, 2);
});
