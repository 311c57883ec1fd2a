import test from 'ava';
import fc from 'fast-check';
import { isCometError } from '../../errors.js';
import { FrameDecoder, decodeFrameContent, encodeCommand, jsonHeaderReference, jsonHeaderText } from './codec.js';
import { createRequest, createResponse } from './command.js';
import { peekOpaque } from './salvage.js';

test('decodes the captured ali-ons route request (rocketmq-protocol.md §1.2)', (t) => {
  const header = '{"code":105,"language":"JAVA","opaque":1,"flag":0,"version":121,"extFields":{"topic":"TopicA"}}';
  const frame = Buffer.alloc(8 + header.length);
  frame.writeInt32BE(4 + header.length, 0);
  frame.writeInt32BE(header.length, 4);
  frame.write(header, 8);
  t.is(frame.readInt32BE(0), 99);
  const [content] = new FrameDecoder().push(frame);
  const cmd = decodeFrameContent(content!);
  t.like(cmd, { code: 105, language: 'JAVA', opaque: 1, flag: 0, version: 121, serializeType: 0 });
  t.is(cmd.extFields.topic, 'TopicA');
  t.is(cmd.body, undefined);
});

test('numbers and booleans in extFields become strings; __proto__ stays data', (t) => {
  const header = '{"code":310,"opaque":7,"extFields":{"e":1,"k":false,"__proto__":"x","g":1795618385947}}';
  const buf = Buffer.alloc(4 + header.length);
  buf.writeInt32BE(header.length, 0);
  buf.write(header, 4);
  const cmd = decodeFrameContent(buf);
  t.deepEqual(Object.keys(cmd.extFields).sort(), ['__proto__', 'e', 'g', 'k']);
  t.deepEqual([cmd.extFields.e, cmd.extFields.k, cmd.extFields.g, cmd.extFields['__proto__']], ['1', 'false', '1795618385947', 'x']);
  t.is(Object.getPrototypeOf(cmd.extFields), null);
});

for (const serializeType of [0, 1] as const) {
  test(`round trip with body, serialization type ${serializeType}`, (t) => {
    const req = { ...createRequest({ code: 11, opaque: 42, extFields: { topic: 'T', queueId: 3 }, body: Buffer.from('hi'), remark: 'r' }), serializeType };
    const frames = new FrameDecoder().push(encodeCommand(req));
    const back = decodeFrameContent(frames[0]!);
    t.like(back, { code: 11, opaque: 42, flag: 0, remark: 'r', serializeType });
    t.deepEqual({ ...back.extFields }, { topic: 'T', queueId: '3' });
    t.is(Buffer.from(back.body!).toString(), 'hi');
    const res = createResponse(back, { code: 0, extFields: { offset: 5 } });
    const res2 = decodeFrameContent(new FrameDecoder().push(encodeCommand(res))[0]!);
    t.like(res2, { opaque: 42, flag: 1, code: 0, serializeType });
  });
}

test('frames split across chunks and several frames in one chunk', (t) => {
  const a = encodeCommand(createRequest({ code: 34, opaque: 1 }));
  const b = encodeCommand(createRequest({ code: 35, opaque: 2, body: Buffer.alloc(1000, 7) }));
  const all = Buffer.concat([a, b]);
  const d = new FrameDecoder();
  const got = [...d.push(all.subarray(0, 3)), ...d.push(all.subarray(3, a.length + 10)), ...d.push(all.subarray(a.length + 10))];
  t.deepEqual(got.map((f) => decodeFrameContent(f).opaque), [1, 2]);
  t.is(d.pending(), 0);
});

test('oversize and undersize length fields are refused before buffering', (t) => {
  const big = Buffer.alloc(8);
  big.writeInt32BE(16 * 1024 * 1024 + 1, 0);
  t.true(isCometError(t.throws(() => new FrameDecoder().push(big)), 'REMOTING_FRAME_TOO_LARGE'));
  const small = Buffer.alloc(8);
  small.writeInt32BE(2, 0);
  t.true(isCometError(t.throws(() => new FrameDecoder().push(small)), 'REMOTING_FRAME_INVALID'));
});

test('garbage headers are coded errors', (t) => {
  for (const header of ['{not json', '[]', '{"code":"x","opaque":1}', '{"code":1,"opaque":1,"extFields":{"a":{"b":1}}}']) {
    const buf = Buffer.alloc(4 + header.length);
    buf.writeInt32BE(header.length, 0);
    buf.write(header, 4);
    t.true(isCometError(t.throws(() => decodeFrameContent(buf)), 'REMOTING_FRAME_INVALID'), header);
  }
  const lying = Buffer.alloc(8);
  lying.writeInt32BE(1000, 0);
  t.true(isCometError(t.throws(() => decodeFrameContent(lying)), 'REMOTING_FRAME_INVALID'));
});

test('property: encode → FrameDecoder (any chunking) → decode is the identity on both header types', (t) => {
  const arbCmd = fc.record({
    code: fc.integer({ min: -32768, max: 32767 }),
    opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    flag: fc.constantFrom(0, 1, 2),
    remark: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    ext: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 6 }),
    body: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
    serializeType: fc.constantFrom(0 as const, 1 as const),
    cut: fc.nat(),
  });
  fc.assert(
    fc.property(arbCmd, (c) => {
      const cmd = {
        ...createRequest({ code: c.code, opaque: c.opaque, extFields: c.ext, ...(c.remark === undefined ? {} : { remark: c.remark }), ...(c.body === undefined ? {} : { body: c.body }) }),
        flag: c.flag,
        language: 'JAVA',
        serializeType: c.serializeType,
      };
      const bytes = encodeCommand(cmd);
      const d = new FrameDecoder();
      const at = c.cut % (bytes.length + 1);
      const frames = [...d.push(bytes.subarray(0, at)), ...d.push(bytes.subarray(at))];
      t.is(frames.length, 1);
      const back = decodeFrameContent(frames[0]!);
      t.like(back, { code: c.code, opaque: c.opaque, flag: c.flag, language: 'JAVA', serializeType: c.serializeType });
      t.is(back.remark, c.remark === '' && c.serializeType === 1 ? undefined : c.remark);
      t.deepEqual({ ...back.extFields }, { ...cmd.extFields });
      t.deepEqual(back.body === undefined ? undefined : Buffer.from(back.body), c.body === undefined || c.body.length === 0 ? undefined : Buffer.from(c.body));
    }),
    { numRuns: 300 },
  );
});

test('peekOpaque salvages the opaque of JSON and binary headers that fail to decode, else undefined', (t) => {
  const content = (type: number, header: Buffer): Buffer => {
    const b = Buffer.alloc(4 + header.length);
    b.writeInt32BE(((type & 0xff) << 24) | header.length, 0);
    header.copy(b, 4);
    return b;
  };
  t.is(peekOpaque(content(0, Buffer.from('{"code":1,"opaque":"17","extFields":{"a":{"b":1}}}'))), 17);
  t.is(peekOpaque(content(0, Buffer.from('{"code":1,"opaque":23,"extFi'))), 23);
  t.is(peekOpaque(content(0, Buffer.from('{"code":1,"opaque":99999999999}'))), undefined);
  t.is(peekOpaque(content(0, Buffer.from('garbage'))), undefined);
  const bin = Buffer.alloc(9);
  bin.writeInt32BE(4711, 5);
  t.is(peekOpaque(content(1, bin)), 4711);
  t.is(peekOpaque(content(1, Buffer.alloc(8))), undefined);
  t.is(peekOpaque(content(7, Buffer.from('{"opaque":1}'))), undefined);
  t.is(peekOpaque(Buffer.alloc(2)), undefined);
});

test('the hand-rolled JSON header equals JSON.stringify byte for byte (fuzzed)', (t) => {
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('__proto__', 'constructor', '0', '10', '"', '\\', '\u2028', '\ud800'));
  const ext = fc.dictionary(text, text, { maxKeys: 12 }).map((d) => {
    const out = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(d)) out[k] = v;
    return out;
  });
  const int = fc.oneof(fc.integer(), fc.constantFrom(0x7fffffff, -1, -0));
  fc.assert(
    fc.property(int, text, int, int, int, fc.option(text, { nil: undefined }), ext, (code, language, version, opaque, flag, remark, extFields) => {
      const cmd = { code, language, version, opaque, flag, ...(remark === undefined ? {} : { remark }), extFields, serializeType: 0 as const };
      t.is(jsonHeaderText(cmd), jsonHeaderReference(cmd));
      const back = decodeFrameContent(new FrameDecoder().push(encodeCommand(cmd))[0]!);
      t.deepEqual({ ...back.extFields }, { ...extFields });
      t.is(back.remark, remark);
    }),
    { numRuns: 500 },
  );
});
