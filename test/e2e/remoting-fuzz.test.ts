/**
 * Fuzzing the remoting server (issue 3, "Bad frames"): truncated frames, oversize and negative lengths,
 * garbage JSON, `__proto__` keys, unknown codes, random bytes and binary headers with lying lengths.
 * Each case runs on a fresh connection that sends its bytes and half-closes; the server must answer
 * well-formed responses only, or close, and keep serving a fresh client. Memory stays bounded.
 */
import test from 'ava';
import fc from 'fast-check';
import net from 'node:net';
import { waitFor } from '../helpers/wait.js';
import { FrameDecoder, decodeFrameContent, encodeCommand } from '../../kernel/protocol/remoting/codec.js';
import { FLAG_RESPONSE, ResponseCode } from '../../kernel/protocol/remoting/codes.js';
import type { RemotingCommand } from '../../kernel/protocol/remoting/command.js';
import { createRequest, createResponse } from '../../kernel/protocol/remoting/command.js';
import { startClient, startServer } from '../../kernel/protocol/remoting/test-fixtures.js';

const ECHO = 34;
const MAX_FRAME = 64 * 1024;

function frame(typeByte: number, header: Uint8Array, body: Uint8Array = new Uint8Array(0), lyingLength?: number): Buffer {
  const buf = Buffer.alloc(8 + header.length + body.length);
  buf.writeInt32BE(lyingLength ?? 4 + header.length + body.length, 0);
  buf.writeInt32BE(((typeByte & 0xff) << 24) | (header.length & 0xffffff), 4);
  buf.set(header, 8);
  buf.set(body, 8 + header.length);
  return buf;
}

const json = (s: string): Buffer => frame(0, Buffer.from(s, 'utf8'));
const valid = (code: number, opaque: number, ext: Record<string, string> = {}): Buffer => encodeCommand(createRequest({ code, opaque, extFields: ext }));

const arbValid = fc.tuple(fc.constantFrom(ECHO, 10, 105, 4242), fc.integer({ min: 1, max: 2 ** 31 - 1 })).map(([c, o]) => valid(c, o));
const arbTruncated = fc.tuple(arbValid, fc.nat()).map(([f, cut]) => f.subarray(0, cut % f.length));
const arbLength = fc.oneof(fc.integer({ min: MAX_FRAME + 1, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 3 })).map((len) => {
  const b = Buffer.alloc(8);
  b.writeInt32BE(len, 0);
  return b;
});
const arbGarbageJson = fc.string({ maxLength: 200 }).map(json);
const arbProto = fc
  .tuple(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(ECHO, 4242), fc.constantFrom('__proto__', 'constructor', 'prototype'))
  .chain(([opaque, code, key]) =>
    fc.constantFrom(
      `{"code":${code},"opaque":${opaque},"extFields":{"${key}":"polluted","a":"1"}}`,
      `{"code":${code},"opaque":${opaque},"extFields":{"${key}":{"polluted":true}}}`,
      `{"__proto__":{"polluted":true},"code":${code},"opaque":${opaque}}`,
      `{"code":${code},"opaque":${opaque},"extFields":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":1}}}}`,
    ),
  )
  .map(json);
const arbUnknownCode = fc.tuple(fc.integer({ min: -32768, max: 32767 }), fc.nat({ max: 1e6 })).map(([c, o]) => valid(c, o + 1));
const arbRandom = fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a));
const arbBinaryLying = fc
  .tuple(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.integer(), fc.integer(), fc.integer({ min: 0, max: 64 }))
  .map(([rest, remarkLen, extLen, claimed]) => {
    const h = Buffer.alloc(13 + 4 + 4 + rest.length);
    h.writeInt16BE(ECHO, 0);
    h.writeInt32BE(9, 5); // opaque
    h.writeInt32BE(remarkLen | 0, 13);
    h.writeInt32BE(extLen | 0, 17);
    h.set(rest, 21);
    const f = frame(1, h);
    f.writeInt32BE((1 << 24) | (h.length + claimed), 4); // header length may lie
    return f;
  });
const arbCase = fc.array(fc.oneof(arbValid, arbTruncated, arbLength, arbGarbageJson, arbProto, arbUnknownCode, arbRandom, arbBinaryLying), {
  minLength: 1,
  maxLength: 4,
});

/** Send the bytes, half-close, and collect everything the server sends until it closes (bounded). */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server neither answered nor closed within 5 s'));
    }, 5000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // ECONNRESET after a close is an allowed outcome
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.end(bytes);
  });
}

function decodeAll(bytes: Buffer): RemotingCommand[] {
  const d = new FrameDecoder();
  const out = d.push(bytes).map(decodeFrameContent);
  if (d.pending() !== 0) throw new Error(`server sent a partial frame (${d.pending()} bytes)`);
  return out;
}

test('fuzzed frames: only well-formed responses or a close, never a crash; a fresh client still works; memory bounded', async (t) => {
  const { port, server, address } = await startServer(t, { [ECHO]: (req) => createResponse(req, { code: 0, extFields: { ...req.extFields } }) }, { maxFrameBytes: MAX_FRAME });
  const client = startClient(t);
  const heapBefore = process.memoryUsage().heapUsed;
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(arbCase, async (parts) => {
      const replies = decodeAll(await exchange(port, Buffer.concat(parts)));
      for (const r of replies) {
        if ((r.flag & FLAG_RESPONSE) === 0) throw new Error('a non-response frame came back');
        if (![0, ResponseCode.SYSTEM_ERROR, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ResponseCode.MESSAGE_ILLEGAL].includes(r.code)) throw new Error(`unexpected code ${r.code}`);
        answered += 1;
      }
      if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype was polluted');
    }),
    { numRuns: 1000 },
  );
  t.true(answered > 0, 'some fuzzed requests were answered');
  await waitFor(() => server.connections().length === 0, { message: 'every fuzz connection closed' });
  const res = await client.invoke(address, { code: ECHO, extFields: { still: 'alive' } });
  t.is(res.extFields.still, 'alive');
  (globalThis as { gc?: () => void }).gc?.();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  t.true(growth < 64 * 1024 * 1024, `heap grew by ${growth} bytes`);
});

test('targeted: __proto__ keys stay data and reach the processor as plain fields', async (t) => {
  const seen: RemotingCommand[] = [];
  const { port } = await startServer(t, { [ECHO]: (req) => (seen.push(req), createResponse(req, { code: 0, extFields: { ...req.extFields } })) });
  const replies = decodeAll(await exchange(port, json('{"code":34,"opaque":5,"extFields":{"__proto__":"x","constructor":"y"}}')));
  t.is(replies.length, 1);
  t.like(replies[0], { opaque: 5, code: 0 });
  t.is(seen[0]!.extFields['__proto__'], 'x');
  t.is(seen[0]!.extFields['constructor'], 'y');
  t.is(Object.getPrototypeOf(seen[0]!.extFields), null);
});

test('targeted: a binary header with a lying remark length is answered with an error to its opaque, then closed', async (t) => {
  const { port } = await startServer(t, { [ECHO]: (req) => createResponse(req, { code: 0 }) });
  const h = Buffer.alloc(21);
  h.writeInt16BE(ECHO, 0);
  h.writeInt32BE(99, 5);
  h.writeInt32BE(1_000_000, 13);
  const replies = decodeAll(await exchange(port, Buffer.concat([valid(ECHO, 1), frame(1, h), valid(ECHO, 2)])));
  t.deepEqual(replies.map((r) => [r.opaque, r.code]), [[1, 0], [99, ResponseCode.SYSTEM_ERROR]]);
  t.regex(replies[1]!.remark ?? '', /remark overruns/);
});
