import type { Logger } from 'pino';
import { isCometError } from '../../../kernel/errors.js';
import type { Messaging } from '../../../kernel/messaging/api.js';
import { retryTopic } from '../../../kernel/messaging/names.js';
import type { PoppedMessage, PopService } from '../../../kernel/messaging/pop.js';
import type { TagFilter } from '../../../kernel/messaging/tags.js';
import type { Clock } from '../../../kernel/services.js';
import type { Delivery, DeliverySource } from './subscription.js';
import { waitForTopicChange } from '../../../kernel/messaging/waits.js';

/** Longest single pop long poll (abortable; the loop polls again at once). */
export const POP_WAIT_MS = 20_000;

export interface ClusteringDeps {
  readonly messaging: Messaging;
  readonly pop: PopService;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface ClusteringParams {
  readonly group: string;
  readonly topic: string;
  readonly filter: TagFilter;
  /** The pop invisible time: an unacked message is redelivered after it. */
  readonly ackTimeoutMs: number;
}

/**
 * Clustering mode (docs/websocket.md §4): the group's messages come from the pop service, shared
 * with every other consumer of the group (other connections, HTTP receive). Handles are receipt
 * handles, so an ack of any valid handle of the group works; released handles become visible at once.
 */
export class ClusteringSource implements DeliverySource {
  readonly #deps: ClusteringDeps;
  readonly #params: ClusteringParams;

  constructor(deps: ClusteringDeps, params: ClusteringParams) {
    this.#deps = deps;
    this.#params = params;
  }

  async fetch(max: number, signal: AbortSignal): Promise<Delivery[]> {
    const { topic } = this.#params;
    if (this.#deps.messaging.topics.get(topic) === undefined) {
      // Not created yet (auto-create on): wait for it instead of polling an unknown topic.
      await waitForTopicChange(this.#deps.messaging, this.#deps.clock, topic, POP_WAIT_MS, signal);
      return [];
    }
    let popped: PoppedMessage[];
    try {
      popped = await this.#receiveUntilTopicChange(max, signal);
    } catch (e) {
      if (isCometError(e, 'TOPIC_NOT_FOUND')) return []; // deleted meanwhile: the next fetch waits for it
      throw e;
    }
    return popped.map((p) => ({
      handle: p.receiptHandle,
      message: p.message,
      topic: p.topic,
      deliveryAttempt: p.deliveryAttempt,
      expiresAt: p.invisibleUntil,
    }));
  }

  /**
   * A pop long poll waits on the queues that existed when it started: when the topic or the group's
   * retry topic is created or changed meanwhile (e.g. by a nack), poll again so they are included.
   */
  async #receiveUntilTopicChange(max: number, signal: AbortSignal): Promise<PoppedMessage[]> {
    const { group, topic, filter, ackTimeoutMs } = this.#params;
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const retry = retryTopic(group);
    const stop = this.#deps.messaging.topics.onChange((name) => {
      if (name === topic || name === retry) local.abort();
    });
    try {
      return await this.#deps.pop.receive({ group, topic, max, invisibleMs: ackTimeoutMs, waitMs: POP_WAIT_MS, filter, signal: local.signal });
    } finally {
      stop();
      signal.removeEventListener('abort', onAbort);
    }
  }

  async ack(handle: string): Promise<void> {
    await this.#deps.pop.ack(this.#params.group, handle);
  }

  async nack(handle: string, _held: boolean, delayLevel: number | undefined): Promise<void> {
    await this.#deps.pop.nack(this.#params.group, handle, delayLevel === undefined ? {} : { delayLevel });
  }

  async release(handles: readonly string[]): Promise<void> {
    await Promise.all(
      handles.map((handle) =>
        this.#deps.pop.extend(this.#params.group, handle, 0).then(
          () => undefined,
          // Already acked elsewhere, or redelivered since: nothing to release.
          (e: unknown) => this.#deps.logger.debug({ err: e, group: this.#params.group }, 'release of a held handle failed'),
        ),
      ),
    );
  }
}
