import test from 'ava';
import { INTERNAL_IDENTITY } from '../../../kernel/messaging/auth.js';
import { createWsExtension } from '../ws/index.js';
import { extHarness, WsClient } from './ext-harness.js';

test('produce over WebSocket answers per-message results and stores the messages', async (t) => {
  const h = await extHarness(t, { factories: [createWsExtension] });
  await h.messaging.topics.create({ topicName: 'T', readQueueNums: 2, writeQueueNums: 2 });
  const c = await WsClient.open(t, `${h.wsBase}/v1/ws`);
  const answer = await c.request({
    op: 'produce',
    id: 'p1',
    topic: 'T',
    messages: [
      { body: 'hello', tag: 'A', keys: ['k1'], properties: { x: 'y' } },
      { body: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), encoding: 'base64', shardingKey: 'same' },
      { body: '!!not base64!!', encoding: 'base64' },
    ],
  });
  t.is(answer.op, 'produced');
  const results = answer.results as Record<string, unknown>[];
  t.is(results.length, 3);
  t.like(results[2], { error: { code: 'MESSAGE_INVALID' } });
  for (const r of results.slice(0, 2)) {
    t.is(typeof r.msgId, 'string');
    const m = await h.messaging.read({ topic: 'T', queueId: r.queueId as number, offset: r.queueOffset as number, max: 1 }, INTERNAL_IDENTITY);
    t.is(m.status, 'found');
  }
});
