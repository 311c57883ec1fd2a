import type { Logger } from 'pino';
import { CometError } from '../errors.js';
import type { Door } from '../messaging/door.js';
import type { PluginHooks } from '../plugin.js';
import type { Clock } from '../services.js';

/** A registered plugin: its name and the hooks register() returned. */
export interface PluginEntry {
  readonly name: string;
  readonly hooks: PluginHooks;
}

export type Phase = 'init' | 'start';

/**
 * Run one phase's hook of every plugin, in order. `onDone` is told each plugin whose hook finished
 * (or that has none), so a failure can stop exactly those. Throws PLUGIN_HOOK_FAILED with the cause.
 */
export async function runPhase(phase: Phase, entries: readonly PluginEntry[], clock: Clock, logger: Logger, onDone: (e: PluginEntry) => void): Promise<void> {
  for (const entry of entries) {
    const hook = entry.hooks[phase];
    if (hook) {
      const t0 = clock.monotonic();
      try {
        await hook.call(entry.hooks);
      } catch (e) {
        throw new CometError('PLUGIN_HOOK_FAILED', `plugin ${entry.name} failed in ${phase}: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
          details: { plugin: entry.name, phase },
        });
      }
      logger.debug({ plugin: entry.name, phase, ms: round(clock.monotonic() - t0) }, `plugin ${entry.name} ${phase} done`);
    }
    onDone(entry);
  }
}

export interface StopOutcome {
  readonly timedOut: readonly string[];
  readonly failed: readonly string[];
}

/** Wait for `work` until `deadline` (Clock.monotonic). Rejections pass through; a late rejection is logged. */
export async function withDeadline(work: Promise<unknown>, deadline: number, clock: Clock, onLateError: (e: unknown) => void): Promise<'done' | 'timeout'> {
  let timer: { cancel(): void } | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = clock.setTimeout(() => resolve('timeout'), Math.max(0, deadline - clock.monotonic()));
  });
  let settled = false;
  const done = work.then(
    () => 'done' as const,
    (e: unknown) => {
      if (settled) onLateError(e);
      throw e;
    },
  );
  try {
    return await Promise.race([done, timeout]);
  } finally {
    settled = true;
    timer?.cancel();
    done.catch(() => undefined);
  }
}

/** Doors first: every door stops accepting, then every door drains, all bounded by the deadline. */
export async function stopDoors(doors: readonly Door[], deadline: number, clock: Clock, logger: Logger): Promise<StopOutcome> {
  const timedOut: string[] = [];
  const failed: string[] = [];
  for (const step of ['stopAccepting', 'drain'] as const) {
    await Promise.all(
      doors.map(async (door) => {
        const work = Promise.resolve().then(() => (step === 'drain' ? door.drain(deadline) : door.stopAccepting()));
        await guarded(`door ${door.name} ${step}`, work, deadline, clock, logger, timedOut, failed);
      }),
    );
  }
  return { timedOut, failed };
}

/** Plugin stop hooks in the given (reverse boot) order, each bounded by the shared deadline. */
export async function stopPlugins(entries: readonly PluginEntry[], deadline: number, clock: Clock, logger: Logger): Promise<StopOutcome> {
  const timedOut: string[] = [];
  const failed: string[] = [];
  for (const entry of entries) {
    const stop = entry.hooks.stop;
    if (!stop) continue;
    const t0 = clock.monotonic();
    const work = Promise.resolve().then(() => stop.call(entry.hooks, deadline));
    const ok = await guarded(`plugin ${entry.name} stop`, work, deadline, clock, logger, timedOut, failed);
    if (ok) logger.debug({ plugin: entry.name, phase: 'stop', ms: round(clock.monotonic() - t0) }, `plugin ${entry.name} stopped`);
  }
  return { timedOut, failed };
}

async function guarded(what: string, work: Promise<unknown>, deadline: number, clock: Clock, logger: Logger, timedOut: string[], failed: string[]): Promise<boolean> {
  const lateError = (e: unknown): void => logger.error({ err: e, code: 'PLUGIN_HOOK_FAILED' }, `${what} failed after the shutdown deadline`);
  try {
    if ((await withDeadline(work, deadline, clock, lateError)) === 'done') return true;
    timedOut.push(what);
    logger.warn({ code: 'KERNEL_SHUTDOWN_TIMEOUT', step: what }, `${what} did not finish before the shutdown deadline; continuing`);
  } catch (e) {
    failed.push(what);
    logger.error({ err: e, code: 'PLUGIN_HOOK_FAILED', step: what }, `${what} failed`);
  }
  return false;
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
