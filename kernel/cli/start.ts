import { createKernel, type Kernel } from '../kernel.js';
import type { ConfigSources } from '../config/layers.js';
import { isCometError } from '../errors.js';
import { FLUSH_POLICY } from '../tokens.js';

export interface StartIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly exit: (code: number) => void;
}

/** One line for a failed command: `cometmq: CONFIG_INVALID: …`. */
export function describeError(e: unknown): string {
  if (isCometError(e)) return `cometmq: ${e.code}: ${e.message}`;
  return `cometmq: INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}

/**
 * `cometmq start`: boot the kernel, print where each door listens and a ready line, and stop
 * gracefully on SIGTERM/SIGINT (exit 0; 1 if shutdown timed out or a step failed). A second signal
 * exits 1 at once.
 */
export async function runStart(sources: ConfigSources, io: StartIO, ready: (kernel: Kernel, io: StartIO) => void = printReady): Promise<void> {
  const kernel = createKernel({ config: sources });
  // Plugins unref their timers and there may be no door yet: keep the process alive until a signal.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      io.err(`cometmq: second ${signal}: exiting without finishing shutdown`);
      io.exit(1);
      return;
    }
    stopping = true;
    void kernel.stop(`signal ${signal}`).then((report) => {
      clearInterval(keepAlive);
      const clean = report.timedOut.length === 0 && report.failed.length === 0;
      io.out(`cometmq stopped (${signal}${clean ? '' : `; timed out: ${report.timedOut.join(', ') || '-'}; failed: ${report.failed.join(', ') || '-'}`})`);
      io.exit(clean && report.state === 'stopped' ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await kernel.start();
  } catch (e) {
    clearInterval(keepAlive);
    io.err(describeError(e));
    io.exit(1);
    return;
  }
  if (!stopping) ready(kernel, io);
}

export function printReady(kernel: Kernel, io: StartIO): void {
  for (const door of kernel.doors()) {
    for (const address of door.addresses()) io.out(`door ${door.name} listening on ${address}`);
  }
  const flush = kernel.resolveOptional(FLUSH_POLICY)?.mode ?? 'none';
  const plugins = kernel.plugins.map((p) => p.name).join(',') || '-';
  const doors = kernel.doors().length === 0 ? ' doors=none' : '';
  io.out(`cometmq ready: dataDir=${kernel.info.dataDir} plugins=${plugins} flush=${flush}${doors}`);
}
