import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { FLUSH_POLICY, MESSAGE_STORE } from '../../../kernel/tokens.js';
import { decodeMsgId } from '../../../kernel/messaging/msgid.js';
import { testKernel } from '../../../test/helpers/kernel-harness.js';
import flushAsync from '../../flush-async/index.js';
import flushSync from '../../flush-sync/index.js';
import storePlugin from '../index.js';

for (const [name, flush] of [['flush-sync', flushSync], ['flush-async', flushAsync]] as const) {
  test(`kernel boots store-commitlog with ${name}; data survives a kernel restart`, async (t) => {
    const values = { advertisedHost: '127.0.0.1', advertisedPort: 10999, plugins: { 'store-commitlog': { segmentBytes: 65536 } } };
    const first = await testKernel(t, { plugins: [flush, storePlugin], values });
    await first.kernel.start();
    t.is(first.kernel.resolve(FLUSH_POLICY).mode, name === 'flush-sync' ? 'sync' : 'async');
    const store = first.kernel.resolve(MESSAGE_STORE);
    const r = await store.append({ topic: 'K', queueId: 0, body: Buffer.from('hello') });
    t.is(r.status, 'ok');
    if (r.status === 'ok') t.deepEqual(decodeMsgId(r.msgId).storeHost, { address: '127.0.0.1', port: 10999 });
    await first.kernel.stop('test');
    const dir = path.join(first.dataDir, 'store');
    t.false(fs.existsSync(path.join(dir, 'abort')), 'clean-shutdown marker');
    t.false(fs.existsSync(path.join(dir, 'lock')));

    const second = await testKernel(t, { plugins: [flush, storePlugin], values: { ...values, dataDir: first.dataDir } });
    await second.kernel.start();
    const again = second.kernel.resolve(MESSAGE_STORE);
    const m = await again.lookupByQueueOffset('K', 0, 0);
    t.is(Buffer.from(m!.body).toString(), 'hello');
  });
}

test('unknown config keys are rejected by the store slice', async (t) => {
  const { kernel } = await testKernel(t, { plugins: [flushSync, storePlugin], values: { plugins: { 'store-commitlog': { segmentByte: 1 } } } });
  await t.throwsAsync(kernel.start(), { code: 'CONFIG_INVALID' } as never);
});
