import type { ExecutionContext } from 'ava';
import { MESSAGING } from '../../kernel/tokens.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import { NAMESRV } from '../../plugins/namesrv/tokens.js';
import { testKernel } from '../helpers/kernel-harness.js';

export const FULL_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'remoting', 'namesrv', 'broker-registration'];

/** One in-process broker with its embedded name server, everything on 127.0.0.1:0. */
export async function sdkCluster(t: ExecutionContext, messaging: Record<string, unknown> = {}): Promise<{ namesrvAddr: string; messaging: Messaging }> {
  const { kernel } = await testKernel(t, {
    values: {
      load: FULL_LOAD,
      brokerName: 'broker-a',
      plugins: {
        remoting: { host: '127.0.0.1', port: 0 },
        namesrv: { host: '127.0.0.1', port: 0 },
        messaging,
      },
    },
  });
  await kernel.start();
  return { namesrvAddr: kernel.resolve(NAMESRV).address(), messaging: kernel.resolve(MESSAGING) };
}
