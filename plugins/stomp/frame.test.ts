import test from 'ava';
import fc from 'fast-check';
import { encodeFrame, FrameParser, header, type ParseEvent, type StompVersion } from './frame.js';

const LIMITS = { maxHeaderBytes: 8192, maxHeaders: 64, maxBodyBytes: 1 << 20 };

function parseAll(bytes: Buffer, cuts: readonly number[] = [], version: StompVersion = '1.2'): ParseEvent[] {
  const p = new FrameParser(LIMITS);
  p.version = version;
  const out: ParseEvent[] = [];
  let from = 0;
  for (const c of [...new Set(cuts)].filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b)) {
    out.push(...p.push(bytes.subarray(from, c)));
    from = c;
  }
  out.push(...p.push(bytes.subarray(from)));
  return out;
}

const frames = (events: ParseEvent[]) => events.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));

test('round trip: any headers (escaped) and binary bodies, however the stream is cut', (t) => {
  const text = fc.string({ unit: fc.constantFrom('a', 'b', ':', '\n', '\r', '\\', 'é', ' ', '0'), maxLength: 12 });
  const frameArb = fc.record({
    command: fc.constantFrom('SEND', 'MESSAGE', 'SUBSCRIBE', 'ACK'),
    headers: fc.array(fc.tuple(text.filter((s) => s.length > 0), text), { maxLength: 6 }),
    body: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  });
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(2000), { maxLength: 8 }), (fs, cuts) => {
      const bytes = Buffer.concat(fs.map((f) => encodeFrame(f.command, f.headers, f.body, '1.2')));
      const got = frames(parseAll(bytes, cuts));
      if (got.length !== fs.length) return false;
      return got.every((g, i) => {
        const f = fs[i]!;
        const userHeaders = g.headers.filter(([k]) => k !== 'content-length' || f.headers.some(([fk]) => fk === 'content-length'));
        return g.command === f.command && g.body.equals(f.body) && JSON.stringify(userHeaders) === JSON.stringify(f.headers);
      });
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('heart-beats (EOLs between frames), CR LF line ends, NULL-terminated bodies, trailing EOLs', (t) => {
  const bytes = Buffer.from('\n\r\nSEND\r\ndestination:/queue/a\r\n\r\nhello\0\n\nSEND\ndestination:/queue/b\n\nworld\0');
  const events = parseAll(bytes);
  t.deepEqual(
    events.map((e) => e.kind),
    ['heartbeat', 'frame', 'heartbeat', 'frame'],
  );
  const [a, b] = frames(events);
  t.is(header(a!, 'destination'), '/queue/a');
  t.is(a!.body.toString(), 'hello');
  t.is(b!.body.toString(), 'world');
});

test('content-length bodies may contain NULL; a repeated header: the first one counts', (t) => {
  const body = Buffer.from([1, 0, 2, 0]);
  const bytes = Buffer.concat([Buffer.from('SEND\ncontent-length:4\nfoo:first\nfoo:second\n\n'), body, Buffer.from([0])]);
  const [f] = frames(parseAll(bytes, [10, 30, 50]));
  t.true(f!.body.equals(body));
  t.is(header(f!, 'foo'), 'first');
});

test('escaping: undefined escape sequences are errors; CONNECT and STOMP 1.0 are not unescaped', (t) => {
  const bad = parseAll(Buffer.from('SEND\nx:a\\tb\n\n\0'));
  t.like(bad[0], { kind: 'error', tooLarge: false });
  const connect = frames(parseAll(Buffer.from('CONNECT\nlogin:a\\cb\n\n\0')));
  t.is(header(connect[0]!, 'login'), 'a\\cb');
  const v10 = frames(parseAll(Buffer.from('SEND\nx:a\\cb\n\n\0'), [], '1.0'));
  t.is(header(v10[0]!, 'x'), 'a\\cb');
  const v12 = frames(parseAll(Buffer.from('SEND\nx:a\\cb\\r\\n\\\\\n\n\0')));
  t.is(header(v12[0]!, 'x'), 'a:b\r\n\\');
  t.is(encodeFrame('MESSAGE', [['k', 'a:b\n']], undefined, '1.2').toString(), 'MESSAGE\nk:a\\cb\\n\n\n\0');
  t.is(encodeFrame('CONNECTED', [['k', 'a:b']], undefined, '1.2').toString(), 'CONNECTED\nk:a:b\n\n\0');
});

test('limits: oversize headers or body, too many headers, a bad content-length, a body not ended by NULL', (t) => {
  const tiny = { maxHeaderBytes: 64, maxHeaders: 2, maxBodyBytes: 16 };
  const run = (text: string | Buffer): ParseEvent | undefined => {
    const p = new FrameParser(tiny);
    return p.push(typeof text === 'string' ? Buffer.from(text) : text).at(-1);
  };
  t.like(run(`SEND\nx:${'y'.repeat(100)}\n\n\0`), { kind: 'error', tooLarge: true });
  t.like(run('SEND\na:1\nb:2\nc:3\n\n\0'), { kind: 'error', tooLarge: true });
  t.like(run('SEND\ncontent-length:17\n\n'), { kind: 'error', tooLarge: true });
  t.like(run(`SEND\n\n${'z'.repeat(20)}`), { kind: 'error', tooLarge: true });
  t.like(run('SEND\ncontent-length:-1\n\n\0'), { kind: 'error', tooLarge: false });
  t.like(run('SEND\ncontent-length:2\n\nabc\0'), { kind: 'error', tooLarge: false });
  t.like(run('send\n\n\0'), { kind: 'error', tooLarge: false });
  t.like(run('SEND\nnocolon\n\n\0'), { kind: 'error', tooLarge: false });
  // A header block with no end yet and no limit reached: wait for more.
  t.deepEqual(new FrameParser(tiny).push(Buffer.from('SEND\nx:1\n')), []);
});

test('a large body arriving in many chunks is assembled once its content-length is there', (t) => {
  const body = Buffer.alloc(200_000, 7);
  const bytes = encodeFrame('SEND', [['destination', '/queue/big']], body, '1.2');
  const cuts = Array.from({ length: 60 }, (_, i) => 40 + i * 3333);
  const [f] = frames(parseAll(bytes, cuts));
  t.true(f!.body.equals(body));
});
