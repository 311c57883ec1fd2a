import { CometError } from '../../../../kernel/errors.js';
import type { ProduceRequest } from '../../../../kernel/messaging/api.js';
import type { AppendResult } from '../../../../kernel/messaging/store.js';
import { decodeBody, isBase64, splitKeys } from '../../encoding.js';
import { errorBody } from '../frames.js';
import type { OutgoingMessage, ProduceFrame, ProduceResult } from '../protocol.js';
import type { OpContext } from './context.js';

/** `produce` → `produced` with one result per message (messaging.produceBatch; docs/websocket.md §2). */
export async function handleProduce(ctx: OpContext, frame: ProduceFrame): Promise<void> {
  const max = ctx.deps.config.maxBatchMessages;
  if (frame.messages.length > max) {
    throw new CometError('WS_PROTOCOL_ERROR', `messages: ${frame.messages.length} messages; at most ${max} per produce`);
  }
  const decoded = frame.messages.map((m) => toRequest(frame.topic, m));
  const requests = decoded.filter((d): d is ProduceRequest => !(d instanceof CometError));
  const stored = requests.length === 0 ? [] : await ctx.deps.messaging.produceBatch(frame.topic, requests);
  let next = 0;
  const results = decoded.map((d): ProduceResult => (d instanceof CometError ? { error: errorBody(d) } : toResult(stored[next++])));
  ctx.send({ op: 'produced', id: frame.id, results });
}

function toRequest(topic: string, m: OutgoingMessage): ProduceRequest | CometError {
  if (m.encoding === 'base64' && !isBase64(m.body)) {
    return new CometError('MESSAGE_INVALID', 'body is not valid base64');
  }
  const keys = splitKeys(m.keys);
  return {
    topic,
    body: decodeBody(m.body, m.encoding),
    ...(m.tag === undefined ? {} : { tags: m.tag }),
    ...(keys === undefined ? {} : { keys }),
    ...(m.properties === undefined ? {} : { properties: m.properties }),
    ...(m.shardingKey === undefined ? {} : { shardingKey: m.shardingKey }),
    ...(m.delayLevel === undefined ? {} : { delayLevel: m.delayLevel }),
  };
}

function toResult(r: AppendResult | undefined): ProduceResult {
  if (r === undefined) return { error: { code: 'INTERNAL', message: 'no result for this message' } };
  if (r.status === 'rejected') return { error: errorBody(r.error) };
  return { msgId: r.msgId, queueId: r.queueId, queueOffset: r.queueOffset };
}
