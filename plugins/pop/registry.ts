import type { Logger } from 'pino';
import type { Messaging } from '../../kernel/messaging/api.js';
import { INTERNAL_IDENTITY } from '../../kernel/messaging/auth.js';
import { retryTopic } from '../../kernel/messaging/names.js';
import { groupTag } from './handle.js';
import type { GroupFile } from './persist.js';
import { QueueState } from './queue-state.js';

/**
 * The state of one (group, subscribed topic, queue). A retry view reads `%RETRY%<group>` queue
 * `queueId` for the copies whose RETRY_TOPIC is the subscribed topic: each subscribed topic keeps its
 * own cursor over the shared retry queue (copies of other topics are skipped, not consumed).
 */
export interface View {
  readonly topic: string;
  readonly retry: boolean;
  readonly queueId: number;
  /** The queue actually read: the topic, or the group's retry topic. */
  readonly source: string;
  readonly state: QueueState;
}

interface CommitSlot {
  reported: number;
  running: Promise<void> | undefined;
  again: boolean;
}

export class GroupState {
  readonly tag: string;
  readonly views = new Map<string, View>();
  readonly commits = new Map<string, CommitSlot>();
  /** Changed since the last save. */
  dirty = false;
  /** messaging.groups.ensure() done (the group shows in admin). */
  ensured = false;

  constructor(readonly group: string) {
    this.tag = groupTag(group);
  }

  snapshot(): GroupFile {
    const views = [...this.views.values()].map((v) => {
      const s = v.state.snapshot();
      return { topic: v.topic, retry: v.retry, queueId: v.queueId, cursor: s.cursor, inflight: s.inflight.map((r) => [...r] as [number, number, number, number]), ahead: [...s.ahead] };
    });
    return { version: 1, group: this.group, views };
  }
}

const viewKey = (topic: string, retry: boolean, queueId: number): string => `${retry ? 'r' : 'm'}${queueId}@${topic}`;

/** Every group's pop state, created lazily from the group's committed offsets. */
export class PopRegistry {
  private readonly groups = new Map<string, GroupState>();

  constructor(
    private readonly messaging: Messaging,
    private readonly logger: Logger,
  ) {}

  restore(files: readonly GroupFile[]): void {
    for (const file of files) {
      const g = this.group(file.group);
      for (const v of file.views) {
        const state = QueueState.restore(v);
        g.views.set(viewKey(v.topic, v.retry, v.queueId), this.makeView(g, v.topic, v.retry, v.queueId, state));
      }
    }
  }

  group(name: string): GroupState {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = new GroupState(name);
      this.groups.set(name, g);
    }
    return g;
  }

  findGroup(name: string): GroupState | undefined {
    return this.groups.get(name);
  }

  all(): readonly GroupState[] {
    return [...this.groups.values()];
  }

  find(g: GroupState, topic: string, retry: boolean, queueId: number): View | undefined {
    return g.views.get(viewKey(topic, retry, queueId));
  }

  /**
   * The view, created on first use. A topic view starts at the group's committed offset, else the
   * queue's min offset. The first retry view of a retry queue starts there too and is created for
   * every topic the group consumes at once (so no topic's copies are passed over before its view
   * exists); a topic subscribed later starts at the lowest committed offset of the existing ones.
   */
  view(g: GroupState, topic: string, retry: boolean, queueId: number): View {
    const existing = this.find(g, topic, retry, queueId);
    if (existing !== undefined) return existing;
    if (!retry) return this.add(g, topic, false, queueId, this.messaging.startOffset(g.group, topic, queueId));
    const siblings = this.retrySiblings(g, queueId);
    if (siblings.length > 0) return this.add(g, topic, true, queueId, Math.min(...siblings.map((s) => s.state.committed)));
    const start = this.messaging.startOffset(g.group, retryTopic(g.group), queueId);
    for (const other of this.topicsOf(g)) if (other !== topic) this.add(g, other, true, queueId, start);
    return this.add(g, topic, true, queueId, start);
  }

  /**
   * Report the group's progress on a view's source queue as its consume offset (for a retry queue:
   * the lowest over the subscribed topics). Commits are serialized per queue and never go back.
   */
  reportCommitted(g: GroupState, view: View): Promise<void> {
    const key = viewKey(view.source, false, view.queueId);
    let slot = g.commits.get(key);
    if (slot === undefined) {
      slot = { reported: -1, running: undefined, again: false };
      g.commits.set(key, slot);
    }
    if (slot.running !== undefined) {
      slot.again = true;
      return slot.running;
    }
    const s = slot;
    const run = this.commitLoop(g, view, s).finally(() => {
      s.running = undefined;
    });
    s.running = run;
    return run;
  }

  private async commitLoop(g: GroupState, view: View, slot: CommitSlot): Promise<void> {
    do {
      slot.again = false;
      const value = view.retry ? Math.min(...this.retrySiblings(g, view.queueId).map((s) => s.state.committed)) : view.state.committed;
      if (value <= slot.reported) continue;
      try {
        await this.messaging.commitOffset(g.group, view.source, view.queueId, value, INTERNAL_IDENTITY);
        slot.reported = value;
      } catch (e) {
        this.logger.warn({ err: e, group: g.group, topic: view.source, queueId: view.queueId }, 'pop could not record the consume offset');
        return;
      }
    } while (slot.again);
  }

  private add(g: GroupState, topic: string, retry: boolean, queueId: number, start: number): View {
    const view = this.makeView(g, topic, retry, queueId, new QueueState(start));
    g.views.set(viewKey(topic, retry, queueId), view);
    const slot = g.commits.get(viewKey(view.source, false, queueId));
    if (slot === undefined) g.commits.set(viewKey(view.source, false, queueId), { reported: start, running: undefined, again: false });
    g.dirty = true;
    return view;
  }

  private makeView(g: GroupState, topic: string, retry: boolean, queueId: number, state: QueueState): View {
    return { topic, retry, queueId, source: retry ? retryTopic(g.group) : topic, state };
  }

  private retrySiblings(g: GroupState, queueId: number): View[] {
    return [...g.views.values()].filter((v) => v.retry && v.queueId === queueId);
  }

  private topicsOf(g: GroupState): Set<string> {
    return new Set([...g.views.values()].filter((v) => !v.retry).map((v) => v.topic));
  }
}
