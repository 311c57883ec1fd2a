import type { MqttStateStore, RetainedMessage } from './state.js';
import { matches } from './topics.js';

export type RetainOutcome = 'stored' | 'cleared' | 'quotaExceeded';

/**
 * Retained messages (MQTT 5 §3.3.1.3): at most one per topic, replaced by the next retained PUBLISH,
 * removed by a retained PUBLISH with an empty payload. Held in memory, written through to the state
 * store before the PUBLISH is acknowledged, and bounded by `max` (a new topic beyond it is refused).
 */
export class RetainedMessages {
  readonly #byTopic = new Map<string, RetainedMessage>();

  constructor(
    private readonly store: MqttStateStore,
    private readonly max: number,
  ) {}

  async load(): Promise<void> {
    for (const m of await this.store.loadRetained()) this.#byTopic.set(m.topic, m);
  }

  get size(): number {
    return this.#byTopic.size;
  }

  async set(message: RetainedMessage): Promise<RetainOutcome> {
    if (message.payload.length === 0) {
      if (this.#byTopic.delete(message.topic)) await this.store.deleteRetained(message.topic);
      return 'cleared';
    }
    if (!this.#byTopic.has(message.topic) && this.#byTopic.size >= this.max) return 'quotaExceeded';
    await this.store.putRetained(message);
    this.#byTopic.set(message.topic, message);
    return 'stored';
  }

  /** The retained messages whose topic matches the filter levels (expired ones left out). */
  matching(levels: readonly string[], now: number, expiresAt: (m: RetainedMessage) => number | undefined): RetainedMessage[] {
    const out: RetainedMessage[] = [];
    for (const m of this.#byTopic.values()) {
      if (!matches(levels, m.topic)) continue;
      const exp = expiresAt(m);
      if (exp !== undefined && exp <= now) continue;
      out.push(m);
    }
    return out;
  }
}
