import { retryTopic } from '../kernel/messaging/names.js';
import { matchesMessage, type TagFilter } from '../kernel/messaging/tags.js';
import { allocateAveragely } from './allocate.js';
import { consumerIds, lockBatch, pullMessages, queueOffset } from './broker-api.js';
import type { ClientCore } from './client-core.js';
import type { ConsumeService } from './consume-service.js';
import { mqKey } from './message-codec.js';
import type { OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { errorText, pause } from './remote.js';
import { readableQueues } from './route.js';
import type { ConsumeFromWhere, MessageModel, MessageQueue } from './types.js';

export interface Subscription {
  readonly topic: string;
  readonly expression: string;
  readonly filter: TagFilter;
  readonly subVersion: number;
}

export interface QueueManagerContext {
  readonly core: ClientCore;
  readonly group: string;
  readonly model: MessageModel;
  readonly orderly: boolean;
  readonly offsets: OffsetStore;
  readonly consume: ConsumeService;
  readonly subscriptions: ReadonlyMap<string, Subscription>;
  readonly consumeFromWhere: ConsumeFromWhere;
  readonly consumeTimestamp: number;
  readonly pullBatchSize: number;
  readonly suspendMs: number;
  /** Pause pulling a queue above this many buffered messages. */
  readonly maxBufferedPerQueue: number;
  readonly pullErrorDelayMs: number;
  /** Longest wait for a dropped queue's running handler before its offset is committed (default 1000). */
  readonly settleMs: number;
}

/**
 * Which queues this member consumes, and their pull loops (§4.5). Clustering: the queues of each
 * subscribed topic divided averagely among the group's client ids; broadcasting: all of them.
 */
export class QueueManager {
  readonly #pqs = new Map<string, ProcessQueue>();
  readonly #loops = new Set<Promise<void>>();
  #busy: Promise<void> | undefined;
  #again = false;

  constructor(private readonly ctx: QueueManagerContext) {}

  /** Queues currently owned. */
  queues(): MessageQueue[] {
    return [...this.#pqs.values()].map((pq) => pq.mq);
  }

  /** Run a rebalance now (coalesced: a request during a run causes one more run). */
  rebalance(): Promise<void> {
    if (this.#busy !== undefined) {
      this.#again = true;
      return this.#busy;
    }
    this.#busy = (async () => {
      do {
        this.#again = false;
        for (const sub of this.ctx.subscriptions.values()) await this.#rebalanceTopic(sub.topic);
      } while (this.#again && this.ctx.core.running);
    })().finally(() => (this.#busy = undefined));
    return this.#busy;
  }

  async #rebalanceTopic(topic: string): Promise<void> {
    try {
      const target = await this.#allocate(topic);
      if (target !== undefined) await this.#apply(topic, target);
    } catch (e) {
      this.ctx.core.logger.warn({ topic, err: errorText(e) }, 'rebalance failed');
    }
  }

  async #allocate(topic: string): Promise<MessageQueue[] | undefined> {
    const route = await this.ctx.core.route(topic);
    const mqs = readableQueues(topic, route);
    if (this.ctx.model === 'BROADCASTING') return mqs;
    const broker = [...route.brokerDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1)).find((b) => Object.keys(b.brokerAddrs).length > 0);
    const addr = broker === undefined ? undefined : this.ctx.core.brokerAddr(broker.brokerName);
    if (addr === undefined) return undefined;
    const cids = await consumerIds(this.ctx.core, this.ctx.group, addr);
    return allocateAveragely(mqs, cids, this.ctx.core.clientId);
  }

  async #apply(topic: string, target: readonly MessageQueue[]): Promise<void> {
    const keep = new Set(target.map(mqKey));
    for (const [key, pq] of this.#pqs) {
      if (pq.mq.topic === topic && !keep.has(key)) await this.#removeQueue(key, pq);
    }
    for (const mq of target) {
      if (!this.#pqs.has(mqKey(mq)) && this.ctx.core.running) await this.#addQueue(mq);
    }
  }

  /**
   * Rebalanced away: stop pulling, let the handler on it finish (bounded by settleMs; orderly: so
   * the next owner never overlaps), commit its offset, then unlock (orderly). Messages still
   * unconsumed are redelivered to the next owner (at-least-once).
   */
  async #removeQueue(key: string, pq: ProcessQueue): Promise<void> {
    pq.drop();
    this.#pqs.delete(key);
    await pq.settle(this.ctx.settleMs);
    pq.released = true;
    try {
      if (this.ctx.model === 'CLUSTERING') await this.ctx.offsets.persist(pq.mq);
    } catch (e) {
      this.ctx.core.logger.warn({ mq: key, err: errorText(e) }, 'offset persist on queue drop failed');
    }
    this.ctx.offsets.remove(pq.mq);
    if (this.ctx.orderly && this.ctx.model === 'CLUSTERING') await this.#unlock([pq.mq]);
    this.ctx.core.logger.debug({ mq: key }, 'queue released');
  }

  async #addQueue(mq: MessageQueue): Promise<void> {
    const pq = new ProcessQueue(mq);
    if (this.ctx.orderly && this.ctx.model === 'CLUSTERING') {
      if (!(await this.#lock([pq])).has(mqKey(mq))) return;
    } else pq.locked = true;
    pq.nextOffset = await this.#startOffset(mq);
    this.ctx.offsets.update(mq, pq.nextOffset, true);
    this.#pqs.set(mqKey(mq), pq);
    this.ctx.core.logger.debug({ mq: mqKey(mq), offset: pq.nextOffset }, 'queue assigned');
    const loop = this.#pullLoop(pq).catch((e: unknown) => this.ctx.core.logger.error({ err: errorText(e) }, 'pull loop crashed'));
    this.#loops.add(loop);
    void loop.finally(() => this.#loops.delete(loop));
  }

  /** Committed offset; else per consumeFromWhere (retry topics from their min). */
  async #startOffset(mq: MessageQueue): Promise<number> {
    const committed = await this.ctx.offsets.read(mq);
    if (committed !== undefined) return committed;
    if (mq.topic === retryTopic(this.ctx.group)) return queueOffset(this.ctx.core, mq, 'min');
    switch (this.ctx.consumeFromWhere) {
      case 'FIRST':
        return queueOffset(this.ctx.core, mq, 'min');
      case 'LAST':
        return queueOffset(this.ctx.core, mq, 'max');
      case 'TIMESTAMP':
        return queueOffset(this.ctx.core, mq, { timestamp: this.ctx.consumeTimestamp });
    }
  }

  /** One pull in flight per queue, long polling, flow control above maxBufferedPerQueue (§4.5). */
  async #pullLoop(pq: ProcessQueue): Promise<void> {
    const { core, group } = this.ctx;
    const signal = pq.abort.signal;
    while (!pq.dropped && core.running) {
      if (pq.size > this.ctx.maxBufferedPerQueue) {
        await pq.waitForRoom(this.ctx.maxBufferedPerQueue, signal);
        continue;
      }
      if (!pq.locked) {
        await pause(50, signal);
        continue;
      }
      const sub = this.ctx.subscriptions.get(pq.mq.topic);
      if (sub === undefined) return;
      try {
        const commit = this.ctx.model === 'CLUSTERING' ? this.ctx.offsets.current(pq.mq) : -1;
        const r = await pullMessages(core, {
          group,
          mq: pq.mq,
          offset: pq.nextOffset,
          maxMsgNums: this.ctx.pullBatchSize,
          subscription: sub.expression,
          subVersion: sub.subVersion,
          suspendMs: this.ctx.suspendMs,
          commitOffset: commit > 0 ? commit : -1,
          accept: (m) => matchesMessage(sub.filter, m),
        });
        if (pq.dropped) return;
        pq.nextOffset = r.nextBeginOffset;
        if (r.status === 'FOUND') {
          pq.put(r.messages);
          this.ctx.consume.submit(pq, r.messages);
        } else if (pq.size === 0 || r.status === 'OFFSET_ILLEGAL') {
          this.ctx.offsets.update(pq.mq, r.nextBeginOffset, r.status === 'OFFSET_ILLEGAL');
        }
      } catch (e) {
        if (pq.dropped || !core.running) return;
        core.logger.warn({ mq: mqKey(pq.mq), err: errorText(e) }, 'pull failed');
        await pause(this.ctx.pullErrorDelayMs, signal);
      }
    }
  }

  /** LOCK_BATCH_MQ per broker; marks pqs locked/unlocked. Returns the keys locked. */
  async #lock(pqs: readonly ProcessQueue[]): Promise<Set<string>> {
    const locked = new Set<string>();
    for (const [brokerName, group] of byBroker(pqs)) {
      const addr = this.ctx.core.masterAddr(brokerName);
      if (addr === undefined) continue;
      try {
        for (const mq of await lockBatch(this.ctx.core, this.ctx.group, addr, group.map((pq) => pq.mq))) locked.add(mqKey(mq));
      } catch (e) {
        this.ctx.core.logger.warn({ brokerName, err: errorText(e) }, 'lock failed');
      }
    }
    const now = Date.now();
    for (const pq of pqs) {
      pq.locked = locked.has(mqKey(pq.mq));
      if (pq.locked) pq.lockedAt = now;
    }
    return locked;
  }

  async #unlock(mqs: readonly MessageQueue[]): Promise<void> {
    for (const [brokerName, group] of byBroker(mqs.map((mq) => ({ mq })))) {
      const addr = this.ctx.core.masterAddr(brokerName);
      if (addr === undefined) continue;
      await lockBatch(this.ctx.core, this.ctx.group, addr, group.map((g) => g.mq), true).catch((e: unknown) =>
        this.ctx.core.logger.warn({ brokerName, err: errorText(e) }, 'unlock failed'),
      );
    }
  }

  /** Orderly: renew every held lock (every 20 s); queues that lost it stop consuming. */
  async renewLocks(): Promise<void> {
    if (!this.ctx.orderly || this.ctx.model !== 'CLUSTERING') return;
    const pqs = [...this.#pqs.values()];
    await this.#lock(pqs);
    for (const pq of pqs) if (pq.locked) this.ctx.consume.submit(pq, []);
  }

  /**
   * Shutdown: drop every queue, wait for running handlers (bounded by `settleMs`), persist the
   * offsets, then unlock (orderly). Returns the queues that were owned.
   */
  async stop(settleMs: number): Promise<MessageQueue[]> {
    await this.#busy?.catch(() => undefined);
    const pqs = [...this.#pqs.values()];
    this.#pqs.clear();
    for (const pq of pqs) pq.drop();
    await Promise.all(pqs.map((pq) => pq.settle(settleMs)));
    for (const pq of pqs) pq.released = true;
    await this.ctx.offsets.persistAll().catch((e: unknown) => this.ctx.core.logger.warn({ err: errorText(e) }, 'offset persist on shutdown failed'));
    const mqs = pqs.map((pq) => pq.mq);
    if (this.ctx.orderly && this.ctx.model === 'CLUSTERING') await this.#unlock(mqs);
    return mqs;
  }

  /** Wait for the pull loops to end (after the transport closed). */
  async joined(): Promise<void> {
    await Promise.allSettled([...this.#loops]);
  }
}

function byBroker<T extends { mq: MessageQueue }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const list = out.get(it.mq.brokerName) ?? [];
    list.push(it);
    out.set(it.mq.brokerName, list);
  }
  return out;
}
