import { CometError, isCometError } from '../../kernel/errors.js';
import type { MessagePage } from '../../kernel/messaging/api.js';
import type { Identity } from '../../kernel/messaging/auth.js';
import type { IndexPage } from '../../kernel/messaging/index-contract.js';
import { PROPERTY } from '../../kernel/messaging/message.js';
import type { StoredMessage } from '../../kernel/messaging/message.js';
import { decodeMsgId, isOffsetMsgId, msgIdPrefix } from '../../kernel/messaging/msgid.js';
import { validateTopicName } from '../../kernel/messaging/names.js';
import type { MessagingDeps } from './deps.js';
import { authorize, topicResource } from './guards.js';

/** Candidates asked of the index per page when resolving a UNIQ_KEY, and the most pages followed. */
const UNIQ_PAGE_LIMIT = 32;
const UNIQ_MAX_PAGES = 8;
/** Longest id accepted: offset ids are 32 characters, RocketMQ UNIQ_KEYs 32, custom ids stay short. */
const MSG_ID_MAX_LENGTH = 128;

/**
 * viewMessage and queryByKey. The index only yields candidates: every record is re-read from the
 * store and verified (physical offset, topic, key or UNIQ_KEY) before it is returned.
 */
export class MessageLookup {
  private readonly hostPrefix: string;

  constructor(
    private readonly deps: Pick<MessagingDeps, 'store' | 'index' | 'auth' | 'storeHost' | 'logger'>,
    private readonly maxPageLimit: number,
  ) {
    this.hostPrefix = msgIdPrefix(deps.storeHost);
  }

  /**
   * An offset msgId of this broker resolves through the log; anything else (or an offset id that
   * finds nothing) is looked up as a client UNIQ_KEY through the index (topic-less lookup).
   * Authorised as `consume` on the found message's topic (AUTH_FORBIDDEN otherwise).
   */
  async view(msgId: string, identity: Identity): Promise<StoredMessage | undefined> {
    checkMsgId(msgId);
    const found = (await this.byOffsetId(msgId)) ?? (await this.byUniqKey(msgId));
    if (found !== undefined) await authorize(this.deps.auth, identity, 'consume', topicResource(found.topic));
    return found;
  }

  /** Without an index (none loaded) or for an empty key the page is empty. */
  async byKey(topic: string, key: string, page: IndexPage, identity: Identity): Promise<MessagePage> {
    validateTopicName(topic);
    await authorize(this.deps.auth, identity, 'consume', topicResource(topic));
    const index = this.deps.index;
    if (index === undefined || typeof key !== 'string' || key.length === 0) return { messages: [] };
    const hits = await index.byKey(topic, key, { ...page, limit: this.clampLimit(page.limit) });
    const candidates = await Promise.all(hits.physicalOffsets.map((phys) => this.verifiedAt(phys)));
    const messages = candidates.filter(
      (m): m is StoredMessage => m !== undefined && m.topic === topic && m.keys.includes(key) && inWindow(m, page),
    );
    return hits.nextCursor === undefined ? { messages } : { messages, nextCursor: hits.nextCursor };
  }

  private async byOffsetId(msgId: string): Promise<StoredMessage | undefined> {
    if (!isOffsetMsgId(msgId) || msgId.slice(0, 16).toUpperCase() !== this.hostPrefix) return undefined;
    let physicalOffset: number;
    try {
      physicalOffset = decodeMsgId(msgId).physicalOffset;
    } catch (e) {
      if (isCometError(e, 'MSG_ID_INVALID')) return undefined;
      throw e;
    }
    return this.verifiedAt(physicalOffset);
  }

  private async byUniqKey(uniqKey: string): Promise<StoredMessage | undefined> {
    const index = this.deps.index;
    if (index === undefined) return undefined;
    let cursor: string | undefined;
    for (let page = 0; page < UNIQ_MAX_PAGES; page++) {
      const hits = await index.byUniqKey(undefined, uniqKey, cursor === undefined ? { limit: UNIQ_PAGE_LIMIT } : { limit: UNIQ_PAGE_LIMIT, cursor });
      for (const phys of hits.physicalOffsets) {
        const message = await this.verifiedAt(phys);
        if (message?.properties[PROPERTY.UNIQ_KEY] === uniqKey) return message;
      }
      if (hits.nextCursor === undefined) return undefined;
      cursor = hits.nextCursor;
    }
    return undefined;
  }

  /**
   * The record at `phys`, only if the store really has a record starting there. Offsets come from
   * callers' msgIds or index candidates and may point inside a record: a store that then sees bad
   * magic/CRC (STORE_CORRUPT) is answered as "no message there", not as an error of the request.
   */
  private async verifiedAt(phys: number): Promise<StoredMessage | undefined> {
    let message: StoredMessage | undefined;
    try {
      message = await this.deps.store.lookup(phys);
    } catch (e) {
      if (!isCometError(e, 'STORE_CORRUPT')) throw e;
      this.deps.logger?.debug({ physicalOffset: phys, err: e }, 'no valid record at a looked-up offset');
      return undefined;
    }
    return message?.physicalOffset === phys ? message : undefined;
  }

  private clampLimit(limit: number): number {
    if (!Number.isFinite(limit)) return this.maxPageLimit;
    return Math.min(this.maxPageLimit, Math.max(1, Math.floor(limit)));
  }
}

function inWindow(message: StoredMessage, page: IndexPage): boolean {
  if (page.beginTimestamp !== undefined && message.storeTimestamp < page.beginTimestamp) return false;
  if (page.endTimestamp !== undefined && message.storeTimestamp > page.endTimestamp) return false;
  return true;
}

function checkMsgId(msgId: unknown): asserts msgId is string {
  if (typeof msgId !== 'string' || msgId.length === 0 || msgId.length > MSG_ID_MAX_LENGTH || !/^[\x21-\x7e]+$/.test(msgId)) {
    throw new CometError('MSG_ID_INVALID', `msgId ${JSON.stringify(msgId)} is not 1..${MSG_ID_MAX_LENGTH} printable ASCII characters`);
  }
}
