import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { createKernel, type Kernel } from '../../kernel/kernel.js';
import type { ConfigFlags, RawObject } from '../../kernel/config/layers.js';
import type { Plugin } from '../../kernel/plugin.js';
import { captureLogger, type LogCapture } from './kernel-logs.js';

/** A temp directory removed when the test ends. */
export async function tempDir(t: ExecutionContext, prefix = 'cometmq-kernel-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestKernelOptions {
  readonly plugins?: readonly Plugin[];
  /** Programmatic config values; `load` defaults to [] so only `plugins` boot. */
  readonly values?: RawObject;
  readonly env?: Record<string, string>;
  readonly flags?: ConfigFlags;
  readonly file?: string;
  /** Base for relative paths. Default: the temp dataDir. */
  readonly cwd?: string;
}

export interface TestKernel {
  readonly kernel: Kernel;
  readonly logs: LogCapture;
  readonly dataDir: string;
}

/**
 * A kernel over a temp dataDir with a capturing logger, no config/default.json (so no built-in
 * plugins unless asked) and stopped at teardown.
 */
export async function testKernel(t: ExecutionContext, options: TestKernelOptions = {}): Promise<TestKernel> {
  const dataDir = await tempDir(t);
  const logs = captureLogger();
  const kernel = createKernel({
    logger: logs.logger,
    plugins: options.plugins ?? [],
    config: {
      defaults: { load: [] },
      values: { dataDir, ...options.values },
      env: options.env ?? {},
      flags: options.flags ?? {},
      file: options.file,
      cwd: options.cwd ?? dataDir,
    },
  });
  t.teardown(() => kernel.stop('test teardown').then(() => undefined));
  return { kernel, logs, dataDir };
}
