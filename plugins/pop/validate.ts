import { CometError } from '../../kernel/errors.js';
import { validateGroupName, validateTopicName } from '../../kernel/messaging/names.js';
import type { PopReceiveRequest } from '../../kernel/messaging/pop.js';

export const MAX_RECEIVE = 256;
export const MAX_INVISIBLE_MS = 43_200_000;
export const MAX_WAIT_MS = 60_000;

/** Validate a receive: GROUP_NAME_INVALID, TOPIC_NAME_INVALID or POP_REQUEST_INVALID. */
export function checkReceive(request: PopReceiveRequest): void {
  validateGroupName(request.group);
  validateTopicName(request.topic);
  checkInt('max', request.max, 1, MAX_RECEIVE);
  checkInt('invisibleMs', request.invisibleMs, 1, MAX_INVISIBLE_MS);
  checkInt('waitMs', request.waitMs, 0, MAX_WAIT_MS);
}

/** extend's invisible time: 0 (visible at once) … 12 h. */
export function checkExtendMs(invisibleMs: number): void {
  checkInt('invisibleMs', invisibleMs, 0, MAX_INVISIBLE_MS);
}

/** nack's delay level: absent, 0 (the group's policy) or a level ≥ 1 (clamped to the broker's levels). */
export function checkDelayLevel(delayLevel: number | undefined): void {
  if (delayLevel !== undefined) checkInt('delayLevel', delayLevel, 0, 1000);
}

function checkInt(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new CometError('POP_REQUEST_INVALID', `${name} ${String(value)} is not an integer in ${min}…${max}`, { details: { field: name } });
  }
}
