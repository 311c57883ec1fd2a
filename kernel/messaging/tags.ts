import type { StoredMessage } from './message.js';

/** Java String.hashCode over UTF-16 code units (shared/rocketmq-protocol.md §3.5): the consume-queue tag code. */
export function tagHashCode(tag: string | undefined): number {
  if (tag === undefined || tag.length === 0) return 0;
  let h = 0;
  for (let i = 0; i < tag.length; i++) h = (Math.imul(31, h) + tag.charCodeAt(i)) | 0;
  return h;
}

/**
 * A subscription's tag filter. The store checks `codes` against the consume-queue tag code first
 * (no log read), then `tags` against the record's tag (hash collisions).
 */
export interface TagFilter {
  readonly all: boolean;
  readonly tags: ReadonlySet<string>;
  readonly codes: ReadonlySet<number>;
}

export const MATCH_ALL: TagFilter = Object.freeze({ all: true, tags: new Set<string>(), codes: new Set<number>() });

/** Parse `*`, empty, `TagA`, or `TagA || TagB` (RocketMQ subscription expressions). */
export function parseTagExpression(expr: string | undefined): TagFilter {
  const trimmed = (expr ?? '').trim();
  if (trimmed === '' || trimmed === '*') return MATCH_ALL;
  const tags = new Set(
    trimmed
      .split('||')
      .map((t) => t.trim())
      .filter((t) => t.length > 0),
  );
  if (tags.size === 0 || tags.has('*')) return MATCH_ALL;
  return { all: false, tags, codes: new Set([...tags].map(tagHashCode)) };
}

export function matchesTagCode(filter: TagFilter, code: number): boolean {
  return filter.all || filter.codes.has(code);
}

export function matchesMessage(filter: TagFilter, msg: Pick<StoredMessage, 'tags'>): boolean {
  return filter.all || (msg.tags !== undefined && filter.tags.has(msg.tags));
}
