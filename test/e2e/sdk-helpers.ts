import type { ExecutionContext } from 'ava';
import { createKernel, type Kernel } from '../../kernel/kernel.js';
import { systemClock, type Clock } from '../../kernel/services.js';
import { MESSAGING } from '../../kernel/tokens.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import { NAMESRV } from '../../plugins/namesrv/tokens.js';
import { NATIVE_DOOR } from '../../plugins/remoting/tokens.js';
import type { SdkLogger } from '../../sdk-node/index.js';
import { captureLogger } from '../helpers/kernel-logs.js';
import { tempDir } from '../helpers/kernel-harness.js';

export const FULL_LOAD = ['metadata-file', 'store-commitlog', 'flush-async', 'auth-allow-all', 'messaging', 'remoting', 'namesrv', 'broker-registration'];
/** A broker without its own name server (registers with `namesrvAddrs`). */
export const BROKER_LOAD = FULL_LOAD.filter((p) => p !== 'namesrv');

export interface SdkBroker {
  readonly kernel: Kernel;
  readonly messaging: Messaging;
  /** `127.0.0.1:port` of its native (remoting) door. */
  readonly brokerAddr: string;
}

export interface SdkClusterOptions {
  /** plugins.messaging slice (e.g. short delayLevels). */
  readonly messaging?: Record<string, unknown>;
  /** plugins.remoting slice additions (e.g. notifyConsumerIdsChanged, lockExpiryMs). */
  readonly remoting?: Record<string, unknown>;
  readonly clock?: Clock;
}

/** A kernel over a temp dataDir on 127.0.0.1:0 with a capturing logger, stopped at teardown. */
async function bootBroker(t: ExecutionContext, load: readonly string[], brokerName: string, plugins: Record<string, unknown>, clock?: Clock): Promise<SdkBroker> {
  const dataDir = await tempDir(t, 'cometmq-sdk-');
  const kernel = createKernel({
    logger: captureLogger('info').logger,
    ...(clock === undefined ? {} : { clock }),
    config: { defaults: { load: [] }, values: { dataDir, load, brokerName, plugins }, env: {}, flags: {}, file: undefined, cwd: dataDir },
  });
  t.teardown(() => kernel.stop('test teardown').then(() => undefined));
  await kernel.start();
  const door = kernel.resolve(NATIVE_DOOR).address();
  if (door === undefined) throw new Error(`${brokerName}: the remoting door is not listening`);
  return { kernel, messaging: kernel.resolve(MESSAGING), brokerAddr: `127.0.0.1:${door.port}` };
}

/** One in-process broker (`broker-a`) with its embedded name server, everything on 127.0.0.1:0. */
export async function sdkCluster(t: ExecutionContext, options: SdkClusterOptions = {}): Promise<SdkBroker & { namesrvAddr: string }> {
  const broker = await bootBroker(
    t,
    FULL_LOAD,
    'broker-a',
    {
      remoting: { host: '127.0.0.1', port: 0, ...options.remoting },
      namesrv: { host: '127.0.0.1', port: 0 },
      messaging: options.messaging ?? {},
    },
    options.clock,
  );
  return { ...broker, namesrvAddr: broker.kernel.resolve(NAMESRV).address() };
}

/** A second broker in this process registering with `namesrvAddr` (no name server of its own). */
export function extraBroker(t: ExecutionContext, namesrvAddr: string, brokerName: string): Promise<SdkBroker> {
  return bootBroker(t, BROKER_LOAD, brokerName, {
    remoting: { host: '127.0.0.1', port: 0 },
    'broker-registration': { namesrvAddrs: [namesrvAddr] },
  });
}

/** A system clock whose readings can be moved forward (e.g. to age broker locks without waiting). */
export function skewClock(): Clock & { advance(ms: number): void } {
  let skew = 0;
  return {
    now: () => systemClock.now() + skew,
    monotonic: () => systemClock.monotonic() + skew,
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    setInterval: (fn, ms) => systemClock.setInterval(fn, ms),
    advance(ms: number): void {
      skew += ms;
    },
  };
}

export interface LogLine {
  readonly level: keyof SdkLogger;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** An SdkLogger that records every line (to check what the SDK reports and that the logger reaches the transport). */
export function recordingLogger(): SdkLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: keyof SdkLogger) => (fields: object, msg?: string): void => void lines.push({ level, msg: msg ?? '', fields: { ...fields } });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
