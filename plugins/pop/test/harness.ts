import type { ExecutionContext } from 'ava';
import { createKernel, type Kernel } from '../../../kernel/kernel.js';
import type { Messaging } from '../../../kernel/messaging/api.js';
import type { AppendOk } from '../../../kernel/messaging/store.js';
import { MESSAGING, METADATA, POP } from '../../../kernel/tokens.js';
import { tempDir } from '../../../test/helpers/kernel-harness.js';
import { captureLogger } from '../../../test/helpers/kernel-logs.js';
import { PopServiceImpl } from '../service.js';

export const POP_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'pop'] as const;

export interface PopBrokerOptions {
  /** Reuse a data directory (restart tests); default: a fresh temp dir. */
  readonly dataDir?: string;
  readonly pop?: Record<string, unknown>;
  readonly messaging?: Record<string, unknown>;
}

export interface PopBroker {
  readonly kernel: Kernel;
  readonly pop: PopServiceImpl;
  readonly api: Messaging;
  readonly dataDir: string;
  produce(topic: string, body: string, extra?: { tags?: string; queueId?: number }): Promise<AppendOk>;
  /** Set a group's retryMaxTimes (the send-back policy) through the metadata store. */
  retryMaxTimes(group: string, times: number): Promise<void>;
}

/** A started kernel with the pop plugin over a small commit log; stopped at teardown. */
export async function popBroker(t: ExecutionContext, options: PopBrokerOptions = {}): Promise<PopBroker> {
  const dataDir = options.dataDir ?? (await tempDir(t, 'cometmq-pop-'));
  const kernel = createKernel({
    logger: captureLogger().logger,
    config: {
      defaults: { load: [] },
      values: {
        dataDir,
        load: [...POP_LOAD],
        plugins: {
          'store-commitlog': { segmentBytes: 1024 * 1024, consumeQueueEntriesPerFile: 1000 },
          messaging: { delayLevels: '30ms 30ms 30ms', ...options.messaging },
          pop: { persistIntervalMs: 50, ...options.pop },
        },
      },
      env: {},
      flags: {},
      cwd: dataDir,
    },
  });
  t.teardown(() => kernel.stop('teardown').then(() => undefined));
  await kernel.start();
  const pop = kernel.resolve(POP);
  if (!(pop instanceof PopServiceImpl)) throw new Error('POP is not the pop plugin');
  const api = kernel.resolve(MESSAGING);
  const metadata = kernel.resolve(METADATA);
  return {
    kernel,
    pop,
    api,
    dataDir,
    async produce(topic, body, extra = {}) {
      const r = await api.produce({ topic, body: Buffer.from(body), ...extra });
      if (r.status !== 'ok') throw new Error(`produce failed: ${r.error.message}`);
      return r;
    },
    async retryMaxTimes(group, times) {
      const current = await api.groups.ensure(group);
      await metadata.putGroup({ ...current, retryMaxTimes: times });
    },
  };
}

export const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
