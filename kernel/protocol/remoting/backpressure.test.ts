import test from 'ava';
import { waitFor } from '../../../test/helpers/wait.js';
import { encodeCommand } from './codec.js';
import { ResponseCode } from './codes.js';
import type { RemotingCommand } from './command.js';
import { createRequest, createResponse } from './command.js';
import { rawPeer, startClient, startServer } from './test-fixtures.js';

const BIG = 902;
const MiB = 1024 * 1024;
const body = Buffer.alloc(MiB, 0x61);
const big = (req: RemotingCommand): RemotingCommand => createResponse(req, { code: 0, body });
/** Header and framing overhead of one response, generously. */
const SLACK = 64 * 1024;

function requests(n: number): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => encodeCommand(createRequest({ code: BIG, opaque: i + 1 }))));
}

test('a client that never reads: the server pauses reading and its pending output stays bounded; reading resumes it', async (t) => {
  const n = 120;
  let processed = 0;
  const { port, server, address } = await startServer(
    t,
    {
      [BIG]: (req) => {
        processed += 1;
        return big(req);
      },
    },
    { maxPendingWriteBytes: MiB },
  );
  const peer = await rawPeer(t, port);
  peer.socket.pause(); // never read
  peer.socket.write(requests(n));
  await waitFor(() => server.connections()[0]?.readingPaused === true, { message: 'server paused reading' });
  const conn = server.connections()[0]!;
  // Bound: maxPendingWriteBytes plus the one response that crossed it.
  t.true(conn.pendingWriteBytes <= MiB + MiB + SLACK, `pending ${conn.pendingWriteBytes}`);
  t.true(processed < n, `processed ${processed} of ${n} while the peer did not read`);
  // The server stays responsive to everybody else meanwhile.
  const other = startClient(t);
  t.is((await other.invoke(address, { code: 4242 })).code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  t.true(conn.pendingWriteBytes <= MiB + MiB + SLACK);
  // Start reading: everything is answered, in order, exactly once.
  peer.socket.resume();
  const frames = await peer.waitFrames(n, 30_000);
  t.deepEqual(frames.map((f) => f.opaque), Array.from({ length: n }, (_, i) => i + 1));
  t.true(frames.every((f) => f.code === 0 && f.body?.length === MiB));
  t.is(processed, n);
  t.false(conn.readingPaused);
});

test('with async processors the output bound is maxPendingWriteBytes + maxInflight responses; the rest is SYSTEM_BUSY', async (t) => {
  const n = 100;
  const maxInflight = 16;
  let processed = 0;
  const { port, server } = await startServer(
    t,
    {
      [BIG]: (req) =>
        new Promise<RemotingCommand>((resolve) =>
          setImmediate(() => {
            processed += 1;
            resolve(big(req));
          }),
        ),
    },
    { maxPendingWriteBytes: MiB, maxInflightPerConnection: maxInflight },
  );
  const peer = await rawPeer(t, port);
  peer.socket.pause(); // never read
  peer.socket.write(requests(n));
  // Output only grows while the peer does not read, so once every processor is done it is at its peak.
  await waitFor(() => processed > 0 && server.inflight() === 0 && server.connections()[0]?.readingPaused === true, { message: 'settled and paused' });
  const pending = server.connections()[0]!.pendingWriteBytes;
  t.true(pending <= MiB + maxInflight * (MiB + SLACK), `pending output ${pending}`);
  t.true(processed < n, `processed ${processed}`);
  peer.socket.resume();
  await waitFor(() => peer.frames.length === n && processed === peer.frames.filter((f) => f.code === 0).length, { timeoutMs: 30_000 });
  const busy = peer.frames.filter((f) => f.code === ResponseCode.SYSTEM_BUSY);
  t.true(busy.length > 0);
  t.is(busy.length + processed, n);
  t.deepEqual(new Set(peer.frames.map((f) => f.opaque)).size, n, 'every request answered exactly once');
});
