import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import type { MessageStore } from '../../kernel/messaging/store.js';
import { MemoryMetadata } from '../../test/helpers/memory-metadata.js';
import { MemoryStore } from '../../test/helpers/memory-store.js';
import { eventually } from '../../test/helpers/wait.js';
import { createSyncFlushPolicy } from '../flush-sync/policy.js';
import { openCommitLogStore } from '../store-commitlog/store.js';
import type { CommitLogStore } from '../store-commitlog/store.js';
import { messagingConfig } from './config.js';
import { createMessaging } from './messaging.js';
import type { MessagingService } from './messaging.js';
import { SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC } from './schedule.js';
import { advance, dec, enc, FakeAuth, ManualClock, readAll, STORE_HOST } from './test/harness.js';

/** A messaging service over a given store and metadata, started; closed (and idle) in teardown. */
function service(t: ExecutionContext, store: MessageStore, metadata: MemoryMetadata, clock: ManualClock): MessagingService {
  const messaging = createMessaging({ store, metadata, auth: new FakeAuth(), clock, storeHost: STORE_HOST }, messagingConfig({ defaultQueueNums: 1 }));
  messaging.start();
  t.teardown(async () => {
    messaging.close();
    await messaging.schedule.idle();
  });
  return messaging;
}

async function stop(messaging: MessagingService): Promise<void> {
  messaging.close();
  await messaging.schedule.idle();
}

/** Poll (bounded) until the topic holds `count` messages; their bodies. */
async function bodiesWhen(messaging: MessagingService, topic: string, count: number): Promise<string[]> {
  return eventually(async () => {
    const got = await bodiesOf(messaging, topic);
    if (got.length < count) throw new Error(`${topic} has ${got.length} of ${count} messages`);
    return got;
  });
}

const bodiesOf = async (messaging: MessagingService, topic: string): Promise<string[]> =>
  (await readAll(messaging, topic, 0)).map((m) => dec(m.body));

test('memory store: after a restart the schedule service resumes from the committed level offset', async (t) => {
  const clock = new ManualClock();
  const metadata = new MemoryMetadata();
  const store = new MemoryStore({ storeHost: STORE_HOST, now: () => clock.now() });
  t.teardown(() => store.close());
  const first = service(t, store, metadata, clock);
  await first.topics.create({ topicName: 'T', readQueueNums: 1, writeQueueNums: 1 }, INTERNAL_IDENTITY);
  await first.produce({ topic: 'T', body: enc('a'), delayLevel: 1 });
  await advance({ clock, messaging: first }, 500);
  await first.produce({ topic: 'T', body: enc('b'), delayLevel: 1 });
  await first.produce({ topic: 'T', body: enc('c'), delayLevel: 1 });
  await advance({ clock, messaging: first }, 500);
  t.deepEqual(await bodiesOf(first, 'T'), ['a']);
  await stop(first);
  t.is(clock.pending(), 0, 'stopped: no timer left');

  // Due while nothing ran: delivered as soon as the new service starts.
  clock.advance(500);
  const reopened = store.reopen();
  t.teardown(() => reopened.close());
  const second = service(t, reopened, metadata, clock);
  await second.schedule.idle();
  t.deepEqual(await bodiesOf(second, 'T'), ['a', 'b', 'c'], 'a is not delivered twice; b and c once');
  t.is(metadata.queryOffset(SCHEDULE_OFFSET_GROUP, SCHEDULE_TOPIC, 0), 3);
});

test('memory store: a held message not yet due at restart is delivered at its time, not before', async (t) => {
  const clock = new ManualClock();
  const metadata = new MemoryMetadata();
  const store = new MemoryStore({ storeHost: STORE_HOST, now: () => clock.now() });
  t.teardown(() => store.close());
  const first = service(t, store, metadata, clock);
  await first.produce({ topic: 'T', body: enc('x'), delayLevel: 2 });
  await stop(first);
  const reopened = store.reopen();
  t.teardown(() => reopened.close());
  const second = service(t, reopened, metadata, clock);
  await advance({ clock, messaging: second }, 4_999);
  t.deepEqual(await bodiesOf(second, 'T'), []);
  await advance({ clock, messaging: second }, 1);
  t.deepEqual(await bodiesOf(second, 'T'), ['x']);
});

test('commit-log store: held messages survive closing and reopening the store', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cometmq-schedule-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const clock = new ManualClock();
  const metadata = new MemoryMetadata();
  const open = async (): Promise<CommitLogStore> => {
    const store = await openCommitLogStore({ dir, flushPolicy: createSyncFlushPolicy(), clock, storeHost: STORE_HOST });
    t.teardown(() => store.close());
    return store;
  };
  const store = await open();
  const first = service(t, store, metadata, clock);
  await first.produce({ topic: 'T', body: enc('early'), delayLevel: 1 });
  await first.produce({ topic: 'T', body: enc('late'), delayLevel: 3 });
  clock.advance(1_000);
  t.deepEqual(await bodiesWhen(first, 'T', 1), ['early']);
  await stop(first);
  await store.close();

  const second = service(t, await open(), metadata, clock);
  await second.schedule.idle();
  t.deepEqual(await bodiesOf(second, 'T'), ['early'], 'nothing redelivered, late not yet due');
  clock.advance(9_000);
  t.deepEqual(await bodiesWhen(second, 'T', 2), ['early', 'late']);
});
