import test from 'ava';
import fc from 'fast-check';
import type { StoredMessage } from '../../../kernel/messaging/message.js';
import { PROPERTY } from '../../../kernel/messaging/message.js';
import { messageFields, messageFrameBytes } from './frames.js';

function stored(body: Uint8Array, fields: { tags?: string | undefined; keys?: string[]; properties?: Record<string, string>; queueOffset?: number }): StoredMessage {
  const host = { address: '127.0.0.1', port: 10911 };
  return {
    topic: 'T',
    queueId: 3,
    queueOffset: fields.queueOffset ?? 42,
    physicalOffset: 1234,
    size: 200,
    msgId: '7F00000100002A9F00000000000004D2',
    body,
    bodyCrc: 0,
    tags: fields.tags,
    keys: fields.keys ?? [],
    properties: fields.properties ?? {},
    flag: 0,
    sysFlag: 0,
    bornTimestamp: 1_795_729_762_460,
    bornHost: host,
    storeTimestamp: 1_795_729_762_461,
    storeHost: host,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    raw: new Uint8Array(0),
  };
}

/** What the frame must equal: the object form, stringified. */
function expected(subscription: string, handle: string, m: StoredMessage, topic: string, attempt: number): string {
  return JSON.stringify({ op: 'message', subscription, handle, ...messageFields(m, topic, attempt) });
}

test('message frame bytes: plain text, text needing escapes, non-UTF-8 and empty bodies match JSON.stringify of the object form', (t) => {
  const bodies: [string, Uint8Array][] = [
    ['ascii', Buffer.from('hello world')],
    ['quotes and backslashes', Buffer.from('say "hi" \\ bye')],
    ['control characters', Buffer.from('line1\nline2\ttab\u0000nul\u001f')],
    ['multi-byte UTF-8', Buffer.from('héllo wörld ✓ 😀 \u2028')],
    ['invalid UTF-8 → base64', Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0x22])],
    ['a lone surrogate encoded as bytes → base64', Uint8Array.from([0xed, 0xa0, 0x80])],
    ['empty', new Uint8Array(0)],
  ];
  for (const [name, body] of bodies) {
    const m = stored(body, { tags: 'TagA', keys: ['k1', 'k"2'], properties: { [PROPERTY.TAGS]: 'TagA', [PROPERTY.KEYS]: 'k1', color: 'blue "x"', [PROPERTY.UNIQ_KEY]: 'AC11000200002A9F0000000000000001' } });
    const bytes = messageFrameBytes('s1', 'h"1', m, 'T', 2);
    t.is(bytes.toString('utf8'), expected('s1', 'h"1', m, 'T', 2), name);
    const parsed = JSON.parse(bytes.toString('utf8')) as { body: string; encoding: string; msgId: string; tag: string | null };
    const back = parsed.encoding === 'base64' ? Buffer.from(parsed.body, 'base64') : Buffer.from(parsed.body, 'utf8');
    t.true(back.equals(Buffer.from(body)), `${name}: the body decodes back to its bytes`);
    t.is(parsed.msgId, 'AC11000200002A9F0000000000000001', `${name}: the consumer msgId (UNIQ_KEY)`);
  }
  const noTag = stored(Buffer.from('x'), {});
  t.is(messageFrameBytes('s2', 'h', noTag, 'T', 1).toString('utf8'), expected('s2', 'h', noTag, 'T', 1), 'no tag → null; msgId from the store');
});

test('message frame bytes equal JSON.stringify of the object form for any body, tag, keys and properties', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8'))),
      fc.option(fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }), { nil: undefined }),
      fc.array(fc.string({ maxLength: 10, unit: 'binary' }), { maxLength: 3 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 10, unit: 'binary' }), fc.string({ maxLength: 20, unit: 'binary' }), { maxKeys: 4 }),
      fc.string({ maxLength: 30 }),
      fc.nat({ max: 2 ** 40 }),
      (body, tags, keys, properties, handle, queueOffset) => {
        const m = stored(body, { tags, keys, properties, queueOffset });
        t.is(messageFrameBytes('s9', handle, m, 'T', 1).toString('utf8'), expected('s9', handle, m, 'T', 1));
      },
    ),
    { numRuns: 500 },
  );
});

test('message frame bytes: text bodies at any alignment, with or without one byte that needs escaping anywhere', (t) => {
  const safe = fc.integer({ min: 0x20, max: 0x7e }).filter((b) => b !== 0x22 && b !== 0x5c);
  const needsEscape = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.constant(0x22), fc.constant(0x5c));
  fc.assert(
    fc.property(fc.array(safe, { maxLength: 200 }), fc.nat({ max: 7 }), fc.option(fc.tuple(needsEscape, fc.nat()), { nil: undefined }), (bytes, offset, inject) => {
      const backing = Buffer.alloc(offset + bytes.length + 8, 0x61);
      const body = backing.subarray(offset, offset + bytes.length);
      body.set(bytes);
      if (inject !== undefined && bytes.length > 0) body[inject[1] % bytes.length] = inject[0];
      const m = stored(body, {});
      const frame = messageFrameBytes('s', 'h', m, 'T', 1).toString('utf8');
      t.is(frame, expected('s', 'h', m, 'T', 1));
      t.is((JSON.parse(frame) as { body: string }).body, body.toString('utf8'));
    }),
    { numRuns: 2000 },
  );
});
