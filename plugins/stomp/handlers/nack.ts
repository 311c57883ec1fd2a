import { settle } from './ack.js';

/** NACK (§NACK): the message goes to the group's retry topic (then its DLQ), now or at COMMIT. */
export const onNack = settle('nack');
