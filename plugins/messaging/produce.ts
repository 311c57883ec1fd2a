import { CometError } from '../../kernel/errors.js';
import type { ProduceBatchOptions, ProduceRequest } from '../../kernel/messaging/api.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import type { AppendInput } from '../../kernel/messaging/message.js';
import type { TopicConfig } from '../../kernel/messaging/metadata.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import { type AppendRejected, type AppendResult, batchRejected } from '../../kernel/messaging/store.js';
import type { MessagingDeps } from './deps.js';
import { authorizeNow, catchComet, topicResource } from './guards.js';
import { QueueSelector } from './queue-select.js';
import type { ScheduleService } from './schedule.js';
import { SCHEDULE_TOPIC } from './schedule.js';
import type { TopicRegistry } from './topic-admin.js';

function rejected(error: CometError): AppendRejected {
  return { status: 'rejected', error };
}

/** An AppendInput without the routing-only fields of a ProduceRequest. */
function toAppendInput(r: ProduceRequest, queueId: number): AppendInput {
  // Field by field (no rest/spread: this runs for every message and shows in profiles).
  return {
    topic: r.topic,
    body: r.body,
    tags: r.tags,
    keys: r.keys,
    properties: r.properties,
    flag: r.flag,
    bornTimestamp: r.bornTimestamp,
    bornHost: r.bornHost,
    sysFlag: r.sysFlag,
    reconsumeTimes: r.reconsumeTimes,
    preparedTransactionOffset: r.preparedTransactionOffset,
    queueId,
  };
}

/**
 * produce / produceBatch. Every expected failure (bad name, auth deny, unknown or read-only topic,
 * bad queue id, store rejection) comes back as `{status: 'rejected', error}`; only bugs throw.
 * A message with a delay level (option or DELAY property, §2.4/§2.10.2) is stored to the schedule
 * topic instead; the result is that append (as in RocketMQ).
 */
export class Producer {
  private readonly selector = new QueueSelector();

  constructor(
    private readonly deps: Pick<MessagingDeps, 'store' | 'auth'>,
    private readonly topics: TopicRegistry,
    private readonly schedule: ScheduleService,
  ) {
    topics.onDeleted((topic) => this.selector.forget(topic));
  }

  produce(request: ProduceRequest, identity: Identity): Promise<AppendResult> {
    try {
      const topic = this.openTopicNow(request.topic, identity);
      return topic instanceof Promise ? topic.then((t) => this.produceTo(t, request)) : this.produceTo(topic, request);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private produceTo(topic: TopicConfig | CometError, request: ProduceRequest): Promise<AppendResult> {
    if (topic instanceof CometError) return Promise.resolve(rejected(topic));
    const input = this.inputFor(topic, request);
    if (input instanceof CometError) return Promise.resolve(rejected(input));
    if (input.topic !== SCHEDULE_TOPIC) return this.deps.store.append(input);
    return catchComet(() => this.schedule.ensureTopic()).then((held) => (held instanceof CometError ? rejected(held) : this.deps.store.append(input)));
  }

  /** One store.appendBatch for every message that passed the checks; results in request order. */
  async produceBatch(topicName: string, requests: readonly ProduceRequest[], identity: Identity, options?: ProduceBatchOptions): Promise<AppendResult[]> {
    const topic = await catchComet(() => this.openTopic(topicName, identity));
    if (topic instanceof CometError) return requests.map(() => rejected(topic));
    const results: (AppendResult | undefined)[] = new Array<AppendResult | undefined>(requests.length);
    const inputs: AppendInput[] = [];
    const positions: number[] = [];
    requests.forEach((request, i) => {
      const input = this.inputFor(topic, request);
      if (input instanceof CometError) results[i] = rejected(input);
      else {
        inputs.push(input);
        positions.push(i);
      }
    });
    const culprit = options?.allOrNothing === true ? results.findIndex((r) => r !== undefined) : -1;
    if (culprit >= 0) return batchRejected(Array.from(results, (r) => (r?.status === 'rejected' ? r.error : undefined)), culprit);
    if (inputs.some((input) => input.topic === SCHEDULE_TOPIC)) {
      const held = await catchComet(() => this.schedule.ensureTopic());
      if (held instanceof CometError) return requests.map(() => rejected(held));
    }
    if (inputs.length > 0) {
      const stored = await this.deps.store.appendBatch(inputs, options);
      positions.forEach((position, j) => (results[position] = stored[j]));
    }
    return results.map((r, i) => r ?? rejected(new CometError('INTERNAL', `store returned no result for message ${i}`)));
  }

  private inputFor(topic: TopicConfig, request: ProduceRequest): AppendInput | CometError {
    if (request.topic !== topic.topicName) {
      return new CometError('MESSAGE_INVALID', `message topic ${JSON.stringify(request.topic)} differs from the batch topic ${topic.topicName}`);
    }
    try {
      const input = toAppendInput(request, this.selector.choose(topic, request));
      const level = this.schedule.levelOf(request);
      return level > 0 ? this.schedule.hold(input, level) : input;
    } catch (e) {
      if (e instanceof CometError) return e;
      throw e;
    }
  }

  private async openTopic(name: string, identity: Identity): Promise<TopicConfig> {
    const topic = await this.openTopicNow(name, identity);
    if (topic instanceof CometError) throw topic;
    return topic;
  }

  /**
   * The topic a produce writes to, or the CometError refusing it: without an asynchronous step when
   * the auth plugin decided and the topic exists (the per-message path), else a promise.
   */
  private openTopicNow(name: string, identity: Identity): TopicConfig | CometError | Promise<TopicConfig | CometError> {
    try {
      validateTopicName(name);
      if (name === SCHEDULE_TOPIC) {
        // §2.4: SCHEDULE_TOPIC_XXXX is one of the system topics clients are not allowed to send to.
        throw new CometError('TOPIC_NOT_WRITABLE', `topic ${name} is internal to the schedule service; send with a delay level instead`);
      }
      const pending = authorizeNow(this.deps.auth, identity, 'produce', topicResource(name));
      if (pending !== undefined) return catchComet(() => pending.then(() => this.topics.writableForProduce(name)));
      return this.topics.existingWritable(name) ?? catchComet(() => this.topics.writableForProduce(name));
    } catch (e) {
      if (e instanceof CometError) return e;
      throw e;
    }
  }
}
