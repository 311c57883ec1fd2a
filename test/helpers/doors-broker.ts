import type { ExecutionContext } from 'ava';
import { createKernel, type Kernel } from '../../kernel/kernel.js';
import { captureLogger } from './kernel-logs.js';
import { tempDir } from './kernel-harness.js';
import { LOOPBACK_DOORS } from './loopback.js';

/**
 * One in-process broker with the given plugins, every network door on 127.0.0.1 with a free port,
 * over a temp data dir; stopped at teardown. For tests that cross doors (HTTP, native, MQTT, STOMP).
 */
export async function doorsBroker(t: ExecutionContext, load: readonly string[], prefix = 'cometmq-doors-'): Promise<Kernel> {
  const dataDir = await tempDir(t, prefix);
  // Only slices of loaded plugins: config refuses the others.
  const plugins = Object.fromEntries(Object.entries(LOOPBACK_DOORS).filter(([name]) => load.includes(name)));
  const kernel = createKernel({
    logger: captureLogger('info').logger,
    config: { defaults: { load: [] }, values: { dataDir, brokerName: 'broker-a', load: [...load], plugins }, env: {}, flags: {}, file: undefined, cwd: dataDir },
  });
  t.teardown(() => kernel.stop('test teardown').then(() => undefined));
  await kernel.start();
  return kernel;
}
