import test from 'ava';
import { pino } from 'pino';
import type { PluginContext } from '../../kernel/plugin.js';
import type { Token } from '../../kernel/tokens.js';
import { AUTH, MESSAGE_INDEX, MESSAGE_STORE, MESSAGING, METADATA } from '../../kernel/tokens.js';
import type { Messaging } from '../../kernel/messaging/api.js';
import { MemoryMetadata } from '../../test/helpers/memory-metadata.js';
import { MemoryStore } from '../../test/helpers/memory-store.js';
import { messagingConfig, messagingConfigSchema } from './config.js';
import type { MessagingConfig } from './config.js';
import plugin from './index.js';
import { enc, FakeAuth, FakeIndex, ManualClock } from './test/harness.js';

function context(withIndex: boolean): { ctx: PluginContext<MessagingConfig>; provided: Map<symbol, unknown>; store: MemoryStore } {
  const store = new MemoryStore({ storeHost: { address: '10.0.0.5', port: 10911 } });
  const registered = new Map<symbol, unknown>([
    [MESSAGE_STORE.symbol, store],
    [METADATA.symbol, new MemoryMetadata()],
    [AUTH.symbol, new FakeAuth()],
  ]);
  if (withIndex) registered.set(MESSAGE_INDEX.symbol, new FakeIndex());
  const provided = new Map<symbol, unknown>();
  const ctx: PluginContext<MessagingConfig> = {
    config: messagingConfig({ defaultQueueNums: 2 }),
    logger: pino({ level: 'silent' }),
    kernel: { dataDir: '/nonexistent', brokerName: 'b', clusterName: 'c', advertisedHost: '10.0.0.5', advertisedPort: 10911 },
    clock: new ManualClock(),
    provide<T>(token: Token<T>, value: T) {
      provided.set(token.symbol, value);
    },
    resolve<T>(token: Token<T>): T {
      if (!registered.has(token.symbol)) throw new Error(`unresolvable ${token.description}`);
      return registered.get(token.symbol) as T;
    },
    resolveOptional<T>(token: Token<T>): T | undefined {
      return registered.get(token.symbol) as T | undefined;
    },
  };
  return { ctx, provided, store };
}

test('the manifest provides MESSAGING and requires store, metadata and auth (index optional)', (t) => {
  t.is(plugin.manifest.name, 'messaging');
  t.deepEqual(plugin.manifest.provides, [MESSAGING]);
  t.deepEqual(plugin.manifest.requires, [MESSAGE_STORE, METADATA, AUTH]);
  t.deepEqual(plugin.manifest.optional, [MESSAGE_INDEX]);
});

test('config: every key has a default and unknown keys are rejected', (t) => {
  t.deepEqual(messagingConfigSchema.parse({}), {
    autoCreateTopics: true,
    autoCreateGroups: true,
    defaultQueueNums: 8,
    maxWaiters: 100_000,
    maxReadMessages: 1024,
    delayLevels: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
    scheduleRetryMs: 10_000,
  });
  t.false(messagingConfigSchema.safeParse({ autoCreateTopic: true }).success);
  t.false(messagingConfigSchema.safeParse({ delayLevels: '1s 5x' }).success);
  t.false(messagingConfigSchema.safeParse({ delayLevels: '' }).success);
  t.false(messagingConfigSchema.safeParse({ maxReadMessages: 2000 }).success);
  t.false(messagingConfigSchema.safeParse({ defaultQueueNums: 0 }).success);
});

for (const withIndex of [false, true]) {
  test(`register provides a working Messaging (index ${withIndex ? 'present' : 'absent'}); stop aborts waiters`, async (t) => {
    const { ctx, provided, store } = context(withIndex);
    const hooks = await plugin.register(ctx);
    const messaging = provided.get(MESSAGING.symbol) as Messaging | undefined;
    t.truthy(messaging);
    if (messaging === undefined || hooks === undefined) return;
    await hooks.start?.();
    t.is(store.listenerCount(), 1, 'the schedule service listens for arrivals once started');
    const r = await messaging.produce({ topic: 'P', body: enc('x') });
    t.like(r, { status: 'ok' });
    t.like(messaging.topics.get('P'), { writeQueueNums: 2 }, 'the config slice is used');
    if (r.status === 'ok') t.is((await messaging.viewMessage(r.msgId))?.msgId, r.msgId, 'store host from KernelInfo');
    const waiting = messaging.waitForMessages('P', 1, 5, 60_000);
    await hooks.stop?.(Number.MAX_SAFE_INTEGER);
    t.is(await waiting, 'aborted');
    t.is(store.listenerCount(), 0);
  });
}
