import { CometError } from '../../kernel/errors.js';
import type { Action, Auth, AuthzDecision, Identity, Resource } from '../../kernel/messaging/auth.js';
import { PERM_READ, PERM_WRITE } from '../../kernel/messaging/metadata.js';
import type { MetadataStore, TopicConfig } from '../../kernel/messaging/metadata.js';

/** Ask the auth plugin; a deny becomes AUTH_FORBIDDEN naming the action and resource. */
export async function authorize(auth: Auth, identity: Identity, action: Action, resource: Resource): Promise<void> {
  check(await auth.authorize(identity, action, resource), action, resource);
}

/**
 * authorize() without an asynchronous step when the auth plugin knows the answer now (Auth.decided):
 * undefined when allowed, AUTH_FORBIDDEN thrown when denied, else the promise of authorize().
 */
export function authorizeNow(auth: Auth, identity: Identity, action: Action, resource: Resource): Promise<void> | undefined {
  const decision = auth.decided?.(identity, action, resource);
  if (decision === undefined) return authorize(auth, identity, action, resource);
  check(decision, action, resource);
  return undefined;
}

function check(decision: AuthzDecision, action: Action, resource: Resource): void {
  if (decision.status === 'deny') {
    throw new CometError('AUTH_FORBIDDEN', `${action} on ${describeResource(resource)} denied: ${decision.reason}`, {
      details: { action, resource: describeResource(resource) },
    });
  }
}

function describeResource(resource: Resource): string {
  return resource.kind === 'cluster' ? 'cluster' : `${resource.kind} ${resource.name}`;
}

export function topicResource(name: string): Resource {
  return { kind: 'topic', name };
}

export function groupResource(name: string): Resource {
  return { kind: 'group', name };
}

export const CLUSTER_RESOURCE: Resource = Object.freeze({ kind: 'cluster' });

export function isWritable(topic: TopicConfig): boolean {
  return (topic.perm & PERM_WRITE) !== 0;
}

export function isReadable(topic: TopicConfig): boolean {
  return (topic.perm & PERM_READ) !== 0;
}

/** The topic's config for a read; TOPIC_NOT_FOUND / TOPIC_NOT_READABLE otherwise. */
export function readableTopic(metadata: MetadataStore, name: string): TopicConfig {
  const topic = metadata.getTopic(name);
  if (topic === undefined) throw new CometError('TOPIC_NOT_FOUND', `topic ${name} does not exist`);
  if (!isReadable(topic)) throw new CometError('TOPIC_NOT_READABLE', `topic ${name} is not readable (perm ${topic.perm})`);
  return topic;
}

/** A queue id: an integer >= 0 and below `limit` when one is given. */
export function checkQueueId(queueId: unknown, limit?: number, topic?: string): number {
  if (typeof queueId !== 'number' || !Number.isInteger(queueId) || queueId < 0 || (limit !== undefined && queueId >= limit)) {
    const range = limit === undefined ? 'a non-negative integer' : `an integer in 0..${limit - 1}`;
    throw new CometError('QUEUE_ID_INVALID', `queue id ${String(queueId)} is not ${range}${topic === undefined ? '' : ` for topic ${topic}`}`);
  }
  return queueId;
}

/** A queue offset: a non-negative safe integer. */
export function checkOffset(offset: unknown, what = 'offset'): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new CometError('OFFSET_INVALID', `${what} ${String(offset)} is not a non-negative integer`);
  }
  return offset;
}

/** Run `fn`; a CometError it throws comes back as the value, anything else (a bug) propagates. */
export async function catchComet<T>(fn: () => Promise<T>): Promise<T | CometError> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CometError) return e;
    throw e;
  }
}
