import net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { mutatedChunks } from '../../../test/helpers/fuzz.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { encodeFrame, FrameParser, header, type StompFrame } from '../frame.js';
import { sendWithReceipt, startStompBroker, stompitConnect } from './harness.js';

/** A raw TCP STOMP peer: write bytes or frames, read the broker's frames, see when it closes. */
async function rawPeer(t: ExecutionContext, port: number) {
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const parser = new FrameParser({ maxHeaderBytes: 1 << 20, maxHeaders: 1000, maxBodyBytes: 1 << 24 });
  const frames: StompFrame[] = [];
  socket.on('data', (d: Buffer) => {
    for (const e of parser.push(d)) if (e.kind === 'frame') frames.push(e.frame);
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    frames,
    closed,
    write: (b: Buffer | string) => socket.write(b),
    frame: (command: string, headers: [string, string][], body?: string) => socket.write(encodeFrame(command, headers, body === undefined ? undefined : Buffer.from(body), '1.2')),
    end: () => socket.end(),
    connect: () => socket.write(encodeFrame('CONNECT', [['accept-version', '1.2'], ['host', '/']], undefined, '1.2')),
  };
}

const lastError = (frames: StompFrame[]): string | undefined => {
  const e = frames.findLast((f) => f.command === 'ERROR');
  return e === undefined ? undefined : header(e, 'message');
};

test('a frame before CONNECT, a second CONNECT, an unknown command: ERROR, then the connection closes', async (t) => {
  const b = await startStompBroker(t);
  const early = await rawPeer(t, b.port);
  early.frame('SEND', [['destination', '/queue/a']], 'x');
  await early.closed;
  t.is(lastError(early.frames), 'not connected');
  const twice = await rawPeer(t, b.port);
  twice.connect();
  twice.connect();
  await twice.closed;
  t.is(twice.frames[0]?.command, 'CONNECTED');
  t.is(lastError(twice.frames), 'already connected');
  const unknown = await rawPeer(t, b.port);
  unknown.connect();
  unknown.frame('PUBLISH', [['destination', '/queue/a']]);
  await unknown.closed;
  t.is(lastError(unknown.frames), 'unknown command');
});

test('bad destinations, an unsupported version, an unknown transaction, an unknown ack id: coded ERROR frames with the receipt id', async (t) => {
  const b = await startStompBroker(t);
  const cases: [string, [string, string][], string][] = [
    ['SEND', [['destination', '/elsewhere/x'], ['receipt', 'r1']], 'invalid destination'],
    ['SEND', [['destination', '/queue/bad name'], ['receipt', 'r1']], 'invalid destination'],
    ['SEND', [['destination', '/queue/ok'], ['transaction', 'nope'], ['receipt', 'r1']], 'unknown transaction'],
    ['ACK', [['id', 'no-such-ack'], ['receipt', 'r1']], 'invalid ACK'],
    ['SUBSCRIBE', [['destination', '/queue/ok'], ['id', 's'], ['ack', 'sometimes'], ['receipt', 'r1']], 'invalid ack mode'],
    ['SEND', [['destination', '/queue/ok'], ['UNIQ_KEY', 'x'], ['receipt', 'r1']], 'invalid header'],
  ];
  for (const [command, headers, message] of cases) {
    const peer = await rawPeer(t, b.port);
    peer.connect();
    peer.frame(command, headers, 'body');
    await peer.closed;
    const err = peer.frames.find((f) => f.command === 'ERROR');
    t.is(err === undefined ? undefined : header(err, 'message'), message, `${command} ${JSON.stringify(headers)}`);
    t.is(err === undefined ? undefined : header(err, 'receipt-id'), 'r1');
  }
  const old = await rawPeer(t, b.port);
  old.write(encodeFrame('CONNECT', [['accept-version', '2.0']], undefined, '1.2'));
  await old.closed;
  t.is(header(old.frames[0]!, 'version'), '1.0,1.1,1.2');
});

test('an oversize frame or malformed header is refused with ERROR; nothing of it is stored; accepted sends before it stay', async (t) => {
  const b = await startStompBroker(t, { stomp: { maxBodyBytes: 1024 } });
  const peer = await rawPeer(t, b.port);
  peer.connect();
  peer.frame('SEND', [['destination', '/queue/Keep'], ['receipt', 'ok']], 'accepted');
  await waitFor(() => peer.frames.some((f) => f.command === 'RECEIPT'));
  peer.write(encodeFrame('SEND', [['destination', '/queue/Keep']], Buffer.alloc(5000, 1), '1.2'));
  await peer.closed;
  t.is(lastError(peer.frames), 'frame too large');
  t.is(b.messaging.topics.describe('Keep')!.queues.reduce((s, q) => s + q.maxOffset, 0), 1);
  const bad = await rawPeer(t, b.port);
  bad.connect();
  bad.write('SEND\ndestination:/queue/Keep\nx:a\\tb\n\nbody\0');
  await bad.closed;
  t.is(lastError(bad.frames), 'malformed frame');
});

test('RECEIPT for every frame that asks; DISCONNECT with a receipt answers before closing', async (t) => {
  const b = await startStompBroker(t);
  const peer = await rawPeer(t, b.port);
  peer.connect();
  peer.frame('SUBSCRIBE', [['destination', '/topic/R'], ['id', 's1'], ['receipt', 'sub']]);
  peer.frame('BEGIN', [['transaction', 't'], ['receipt', 'begin']]);
  peer.frame('ABORT', [['transaction', 't'], ['receipt', 'abort']]);
  peer.frame('UNSUBSCRIBE', [['id', 's1'], ['receipt', 'unsub']]);
  peer.frame('DISCONNECT', [['receipt', 'bye']]);
  await peer.closed;
  t.deepEqual(
    peer.frames.filter((f) => f.command === 'RECEIPT').map((f) => header(f, 'receipt-id')),
    ['sub', 'begin', 'abort', 'unsub', 'bye'],
  );
});

test('heart-beats: the broker sends EOLs at the agreed period and closes a silent client after twice its period', async (t) => {
  const b = await startStompBroker(t, { stomp: { heartBeatSendMs: 50, heartBeatReceiveMs: 50 } });
  const socket = net.connect(b.port, '127.0.0.1');
  t.teardown(() => void socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let bytes = '';
  socket.on('data', (d: Buffer) => (bytes += d.toString('latin1')));
  socket.write(encodeFrame('CONNECT', [['accept-version', '1.2'], ['heart-beat', '50,50']], undefined, '1.2'));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  t.regex(bytes, /^CONNECTED\n[^\0]*heart-beat:50,50\n[^\0]*\0/);
  t.true(bytes.includes('\0\n'), 'at least one heart-beat EOL after CONNECTED');
  t.regex(bytes, /ERROR\n[^\0]*message:heart-beat timeout/);
});

test('fuzz: random and mutated frames never crash the broker; it keeps serving', async (t) => {
  const b = await startStompBroker(t);
  const valid = [
    encodeFrame('CONNECT', [['accept-version', '1.2']], undefined, '1.2'),
    encodeFrame('SEND', [['destination', '/queue/Fz']], Buffer.from('p'), '1.2'),
    encodeFrame('SUBSCRIBE', [['destination', '/queue/Fz'], ['id', '1'], ['ack', 'client']], undefined, '1.2'),
  ];
  await fc.assert(
    fc.asyncProperty(mutatedChunks(valid), async (chunks) => {
      const peer = await rawPeer(t, b.port);
      peer.write(valid[0]!);
      for (const c of chunks) peer.write(c);
      peer.end();
      await peer.closed;
    }),
    { numRuns: 200, timeout: 5000 },
  );
  const client = await stompitConnect(t, b.port);
  await sendWithReceipt(client, { destination: '/queue/Fz' }, 'still serving');
  t.pass();
});
