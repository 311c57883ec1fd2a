import { CometError } from '../../kernel/errors.js';
import type { GroupAdmin } from '../../kernel/messaging/api.js';
import type { OffsetEntry, SubscriptionGroupConfig } from '../../kernel/messaging/metadata.js';
import { validateGroupName } from '../../kernel/messaging/names.js';
import type { MessagingConfig } from './config.js';
import type { MessagingDeps } from './deps.js';
import { KeyedLock } from '../../kernel/keyed-lock.js';

/** RocketMQ SubscriptionGroupConfig defaults. */
export const GROUP_DEFAULTS = Object.freeze({
  consumeEnable: true,
  consumeBroadcastEnable: true,
  retryQueueNums: 1,
  retryMaxTimes: 16,
});

/** Subscription groups over the metadata store; `ensure` auto-creates when `autoCreateGroups` is on. */
export class GroupRegistry implements GroupAdmin {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly deps: Pick<MessagingDeps, 'metadata' | 'clock'>,
    private readonly config: MessagingConfig,
  ) {}

  get(name: string): SubscriptionGroupConfig | undefined {
    return this.deps.metadata.getGroup(name);
  }

  list(): readonly SubscriptionGroupConfig[] {
    return this.deps.metadata.listGroups();
  }

  /** The group's config, created with GROUP_DEFAULTS if absent. GROUP_NOT_FOUND when auto-create is off. */
  async ensure(name: string): Promise<SubscriptionGroupConfig> {
    validateGroupName(name);
    const existing = this.deps.metadata.getGroup(name);
    if (existing !== undefined) return existing;
    if (!this.config.autoCreateGroups) {
      throw new CometError('GROUP_NOT_FOUND', `subscription group ${name} does not exist and autoCreateGroups is off`);
    }
    return this.lock.run(name, async () => {
      const raced = this.deps.metadata.getGroup(name);
      if (raced !== undefined) return raced;
      const created: SubscriptionGroupConfig = { groupName: name, ...GROUP_DEFAULTS, createdAt: this.deps.clock.now() };
      await this.deps.metadata.putGroup(created);
      return created;
    });
  }

  offsets(name: string): readonly OffsetEntry[] {
    return this.deps.metadata.offsetsOfGroup(name);
  }
}
