import { CometError } from '../../../../kernel/errors.js';
import type { AckFrame, CreditFrame, NackFrame, UnsubscribeFrame } from '../protocol.js';
import type { Subscription } from '../subscription.js';
import type { OpContext } from './context.js';

/** `ack`, `nack`, `credit`, `unsubscribe` (docs/websocket.md §2): fire-and-forget, errors as `error` frames. */

function known(ctx: OpContext, id: string): Subscription {
  const subscription = ctx.subscription(id);
  if (subscription === undefined) throw new CometError('WS_SUBSCRIPTION_UNKNOWN', `no subscription ${JSON.stringify(id)} on this connection`);
  return subscription;
}

export async function handleAck(ctx: OpContext, frame: AckFrame): Promise<void> {
  await known(ctx, frame.subscription).ack(frame.handle);
}

export async function handleNack(ctx: OpContext, frame: NackFrame): Promise<void> {
  await known(ctx, frame.subscription).nack(frame.handle, frame.delayLevel);
}

export function handleCredit(ctx: OpContext, frame: CreditFrame): void {
  known(ctx, frame.subscription).grant(frame.credits);
}

/** Idempotent: an unknown subscription is not an error. */
export async function handleUnsubscribe(ctx: OpContext, frame: UnsubscribeFrame): Promise<void> {
  await ctx.removeSubscription(frame.subscription)?.close();
}
