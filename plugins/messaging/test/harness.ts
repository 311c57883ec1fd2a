import type { ExecutionContext } from 'ava';
import { isCometError } from '../../../kernel/errors.js';
import type { ErrorCode } from '../../../kernel/errors.js';
import type { Action, Auth, AuthResult, AuthzDecision, Identity, Resource } from '../../../kernel/messaging/auth.js';
import { INTERNAL_IDENTITY } from '../../../kernel/messaging/auth.js';
import type { HostAddress, StoredMessage } from '../../../kernel/messaging/message.js';
import type { IndexEntry, IndexHits, IndexPage, MessageIndex, TimeIndexHit } from '../../../kernel/messaging/index-contract.js';
import type { Clock, TimerHandle } from '../../../kernel/services.js';
import { MemoryMetadata } from '../../../test/helpers/memory-metadata.js';
import { MemoryStore } from '../../../test/helpers/memory-store.js';
import type { MessagingConfig } from '../config.js';
import { messagingConfig } from '../config.js';
import { createMessaging } from '../messaging.js';
import type { MessagingService } from '../messaging.js';

/** A clock whose timers fire only when the test advances it. */
export class ManualClock implements Clock {
  private time = 1_700_000_000_000;
  private readonly timers = new Set<{ at: number; fn: () => void; every?: number }>();

  now(): number {
    return this.time;
  }

  monotonic(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add({ at: this.time + ms, fn });
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add({ at: this.time + ms, fn, every: ms });
  }

  /** Move time forward, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.time = due.at;
      if (due.every === undefined) this.timers.delete(due);
      else due.at += due.every;
      due.fn();
    }
    this.time = end;
  }

  pending(): number {
    return this.timers.size;
  }

  private add(timer: { at: number; fn: () => void; every?: number }): TimerHandle {
    this.timers.add(timer);
    const handle: TimerHandle = {
      cancel: () => void this.timers.delete(timer),
      unref: () => handle,
    };
    return handle;
  }
}

/** Allow-all auth that records every question and denies what a test lists. */
export class FakeAuth implements Auth {
  readonly asked: Array<{ identity: Identity; action: Action; resource: Resource }> = [];
  private readonly denied = new Set<string>();

  deny(action: Action, resource: Resource): void {
    this.denied.add(FakeAuth.key(action, resource));
  }

  async authenticate(): Promise<AuthResult> {
    return { status: 'ok', identity: { kind: 'anonymous' } };
  }

  async authorize(identity: Identity, action: Action, resource: Resource): Promise<AuthzDecision> {
    this.asked.push({ identity, action, resource });
    return this.denied.has(FakeAuth.key(action, resource)) ? { status: 'deny', reason: 'test says no' } : { status: 'allow' };
  }

  /** Set by `harness(t, { decidingAuth: true })`: also answers synchronously (Auth.decided). */
  decides = false;
  /** Questions answered through decided(). */
  decidedCount = 0;

  decided(identity: Identity, action: Action, resource: Resource): AuthzDecision | undefined {
    if (!this.decides) return undefined;
    this.decidedCount++;
    this.asked.push({ identity, action, resource });
    return this.denied.has(FakeAuth.key(action, resource)) ? { status: 'deny', reason: 'test says no' } : { status: 'allow' };
  }

  private static key(action: Action, resource: Resource): string {
    return `${action} ${resource.kind === 'cluster' ? 'cluster' : `${resource.kind}:${resource.name}`}`;
  }
}


/** An index whose answers the test scripts: physical offsets per key / UNIQ_KEY (stale ones included). */
export class FakeIndex implements MessageIndex {
  readonly keyHits = new Map<string, IndexHits>();
  readonly uniqHits = new Map<string, IndexHits>();
  readonly asked: Array<{ kind: 'key' | 'uniq'; topic: string | undefined; key: string; page: IndexPage }> = [];

  async add(_entries: readonly IndexEntry[]): Promise<void> {}
  async indexedUpTo(): Promise<number> {
    return 0;
  }
  async byKey(topic: string, key: string, page: IndexPage): Promise<IndexHits> {
    this.asked.push({ kind: 'key', topic, key, page });
    return this.keyHits.get(`${topic}/${key}`) ?? { physicalOffsets: [] };
  }
  async byUniqKey(topic: string | undefined, uniqKey: string, page: IndexPage): Promise<IndexHits> {
    this.asked.push({ kind: 'uniq', topic, key: uniqKey, page });
    return this.uniqHits.get(uniqKey) ?? { physicalOffsets: [] };
  }
  async floorByTime(): Promise<TimeIndexHit | undefined> {
    return undefined;
  }
  async deleteBefore(): Promise<void> {}
  async clear(): Promise<void> {}
}

export const STORE_HOST: HostAddress = { address: '127.0.0.1', port: 10911 };

export interface Harness {
  readonly messaging: MessagingService;
  readonly store: MemoryStore;
  readonly metadata: MemoryMetadata;
  readonly auth: FakeAuth;
  readonly clock: ManualClock;
  readonly index: FakeIndex | undefined;
}

/** Messaging over the memory store + memory metadata + fake auth; closed in teardown. */
export function harness(
  t: ExecutionContext,
  options: { config?: Partial<MessagingConfig>; withIndex?: boolean; clock?: Clock; start?: boolean; decidingAuth?: boolean } = {},
): Harness {
  const clock = new ManualClock();
  const store = new MemoryStore({ storeHost: STORE_HOST, now: () => clock.now() });
  const metadata = new MemoryMetadata();
  const auth = new FakeAuth();
  auth.decides = options.decidingAuth === true;
  const index = options.withIndex === true ? new FakeIndex() : undefined;
  const messaging = createMessaging(
    { store, metadata, auth, clock: options.clock ?? clock, storeHost: STORE_HOST, ...(index === undefined ? {} : { index }) },
    messagingConfig(options.config ?? {}),
  );
  if (options.start === true) messaging.start();
  t.teardown(async () => {
    messaging.close();
    await messaging.schedule.idle();
    store.close();
  });
  return { messaging, store, metadata, auth, clock, index };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Assert that `p` rejects with a CometError of `code`. */
export async function rejectsWith(t: ExecutionContext, p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const e = await t.throwsAsync(p);
  t.true(isCometError(e), String(e));
  t.is(isCometError(e) ? e.code : undefined, code);
}

/** Assert that `fn` throws a CometError of `code` synchronously. */
export function throwsWith(t: ExecutionContext, fn: () => unknown, code: ErrorCode): void {
  const e = t.throws(fn);
  t.is(isCometError(e) ? e.code : undefined, code);
}

/** Every message of one queue, in queue order (read as the internal identity). */
export async function readAll(messaging: MessagingService, topic: string, queueId: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let offset = 0;
  for (;;) {
    const r = await messaging.read({ topic, queueId, offset, max: 64 }, INTERNAL_IDENTITY);
    if (r.status !== 'found') return out;
    out.push(...r.messages);
    offset = r.nextOffset;
  }
}

/** Move the manual clock and let the schedule service finish what its timers started. */
export async function advance(h: { readonly clock: ManualClock; readonly messaging: MessagingService }, ms: number): Promise<void> {
  await h.messaging.schedule.idle();
  h.clock.advance(ms);
  await h.messaging.schedule.idle();
}
