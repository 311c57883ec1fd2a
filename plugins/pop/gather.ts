import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import type { StoredMessage } from '../../kernel/messaging/message.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import type { PoppedMessage } from '../../kernel/messaging/pop.js';
import type { Clock } from '../../kernel/services.js';
import type { TagFilter } from '../../kernel/messaging/tags.js';
import { MATCH_ALL, matchesMessage } from '../../kernel/messaging/tags.js';
import type { PopConfig } from './config.js';
import { encodeHandle } from './handle.js';
import type { Inflight } from './queue-state.js';
import type { GroupState, PopRegistry, View } from './registry.js';

export interface GatherRequest {
  readonly g: GroupState;
  /** Topic views first, then retry views, already rotated for fairness. */
  readonly views: readonly View[];
  readonly max: number;
  readonly invisibleMs: number;
  readonly filter: TagFilter;
  readonly identity: Identity;
}

/** Reads of one stretch of a queue before giving the turn to the next (bounds filtered scans). */
const MAX_SCANS_PER_QUEUE = 8;

/**
 * One receive pass, run under the (group, topic) lock: redeliver in-flight messages whose invisible
 * time passed (or move them to the DLQ after maxDeliveryAttempts), then deliver new messages from
 * each queue's cursor, a fair share per queue first and then whatever is left.
 */
export class Gatherer {
  constructor(
    private readonly messaging: Messaging,
    private readonly registry: PopRegistry,
    private readonly config: PopConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async gather(req: GatherRequest): Promise<PoppedMessage[]> {
    const out: PoppedMessage[] = [];
    const before = req.views.map((v) => v.state.committed);
    for (const view of req.views) await this.redeliver(req, view, out);
    const open: View[] = [];
    for (const [i, view] of req.views.entries()) {
      const share = Math.ceil((req.max - out.length) / (req.views.length - i));
      if (share > 0 && (await this.readNew(req, view, share, out))) open.push(view);
    }
    for (const view of open) if (out.length < req.max) await this.readNew(req, view, req.max - out.length, out);
    req.views.forEach((view, i) => {
      if (view.state.committed !== before[i]) void this.registry.reportCommitted(req.g, view);
    });
    if (out.length > 0) req.g.dirty = true;
    return out;
  }

  private async redeliver(req: GatherRequest, view: View, out: PoppedMessage[]): Promise<void> {
    while (out.length < req.max) {
      const offset = view.state.nextExpired(this.clock.now());
      if (offset === undefined) return;
      const entry = view.state.entry(offset);
      if (entry === undefined) return;
      const seen = { attempt: entry.attempt, invisibleUntil: entry.invisibleUntil };
      const unchanged = (): boolean => view.state.entry(offset) === entry && entry.attempt === seen.attempt && entry.invisibleUntil === seen.invisibleUntil;
      req.g.dirty = true;
      if (entry.attempt >= this.config.maxDeliveryAttempts) {
        await this.deadLetter(req, view, offset, entry, unchanged);
        continue;
      }
      const message = await this.readAt(view, offset, req.identity);
      if (!unchanged()) continue;
      if (message === undefined) {
        view.state.markDone(offset, 0);
        continue;
      }
      view.state.update(offset, entry, entry.attempt + 1, this.clock.now() + req.invisibleMs);
      out.push(popped(req.g, view, message, entry));
    }
  }

  /** Out of attempts: to `%DLQ%<group>`; kept in flight (visible again later) if the store refuses. */
  private async deadLetter(req: GatherRequest, view: View, offset: number, entry: Inflight, unchanged: () => boolean): Promise<void> {
    let stored = false;
    try {
      const r = await this.messaging.sendBack({ group: req.g.group, physicalOffset: entry.physicalOffset, delayLevel: -1 }, INTERNAL_IDENTITY);
      stored = r.status === 'notFound' || r.result.status === 'ok';
      if (r.status !== 'notFound' && r.result.status === 'rejected') throw r.result.error;
    } catch (e) {
      this.logger.warn({ err: e, group: req.g.group, topic: view.source, queueId: view.queueId, offset }, 'pop could not move a message to the DLQ; retried later');
    }
    if (!unchanged()) return;
    if (stored) view.state.markDone(offset, 0);
    else view.state.update(offset, entry, entry.attempt, this.clock.now() + req.invisibleMs);
  }

  /**
   * Deliver up to `want` new messages of one queue. Returns whether the queue may have more (the
   * second pass reads it again).
   */
  private async readNew(req: GatherRequest, view: View, want: number, out: PoppedMessage[]): Promise<boolean> {
    const state = view.state;
    let left = Math.min(want, this.config.maxInflightPerQueue - state.inflightCount);
    if (left <= 0) return false;
    // Caught up (the common case for most queues of a long poll): skip the read. Below the cursor
    // (the store lost its tail) the read corrects the state.
    if (this.messaging.maxOffset(view.source, view.queueId) === state.cursor) return false;
    for (let scan = 0; scan < MAX_SCANS_PER_QUEUE && left > 0; scan++) {
      const from = state.cursor;
      const r = await this.messaging.read(
        { topic: view.source, queueId: view.queueId, offset: from, max: left, ...(req.filter.all ? {} : { filter: req.filter }) },
        view.retry ? INTERNAL_IDENTITY : req.identity,
      );
      if (r.status === 'noQueue' || r.status === 'empty') return false;
      if (state.cursor !== from) continue;
      req.g.dirty = true;
      if (r.status === 'offsetMoved') {
        if (r.nextOffset < from) state.clampTo(r.nextOffset);
        else state.advanceCursor(r.nextOffset);
        continue;
      }
      if (r.status === 'found') {
        for (const m of r.messages) {
          if (state.isAhead(m.queueOffset) || !this.wanted(req.filter, view, m)) continue;
          const entry = state.deliver(m.queueOffset, m.physicalOffset, this.clock.now() + req.invisibleMs);
          out.push(popped(req.g, view, m, entry));
          left--;
        }
      }
      state.advanceCursor(r.nextOffset);
    }
    return left === 0;
  }

  /** The message at a queue offset, or undefined when it is gone (retention). */
  private async readAt(view: View, offset: number, identity: Identity): Promise<StoredMessage | undefined> {
    const r = await this.messaging.read({ topic: view.source, queueId: view.queueId, offset, max: 1 }, view.retry ? INTERNAL_IDENTITY : identity);
    const m = r.status === 'found' ? r.messages[0] : undefined;
    return m?.queueOffset === offset ? m : undefined;
  }

  private wanted(filter: TagFilter, view: View, m: StoredMessage): boolean {
    if (filter !== MATCH_ALL && !matchesMessage(filter, m)) return false;
    return !view.retry || m.properties[PROPERTY.RETRY_TOPIC] === view.topic;
  }
}

export function popped(g: GroupState, view: View, message: StoredMessage, entry: Inflight): PoppedMessage {
  const receiptHandle = encodeHandle({
    groupTag: g.tag,
    topic: view.topic,
    retry: view.retry,
    queueId: view.queueId,
    offset: message.queueOffset,
    attempt: entry.attempt,
    invisibleUntil: entry.invisibleUntil,
  });
  return { message, topic: view.topic, receiptHandle, deliveryAttempt: entry.attempt, invisibleUntil: entry.invisibleUntil };
}
