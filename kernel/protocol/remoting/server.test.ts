import test from 'ava';
import { CometError } from '../../errors.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { encodeCommand } from './codec.js';
import { FLAG_ONEWAY, FLAG_RESPONSE, ResponseCode } from './codes.js';
import type { RemotingCommand } from './command.js';
import { createRequest, createResponse } from './command.js';
import { createRemotingServer } from './server.js';
import { deferred, rawJsonFrame, rawPeer, silent, startClient, startServer } from './test-fixtures.js';
import type { RemotingConnection } from './transport.js';

const ECHO = 900;
const HOLD = 901;
const ok = (req: RemotingCommand): RemotingCommand => createResponse(req, { code: 0, extFields: { ...req.extFields }, ...(req.body ? { body: req.body } : {}) });

test('many concurrent requests on one connection are answered out of order, each by its opaque', async (t) => {
  const n = 50;
  const held: Array<() => void> = [];
  const { address } = await startServer(t, {
    [HOLD]: (req) =>
      new Promise<RemotingCommand>((resolve) => {
        held.push(() => resolve(ok(req)));
        // Release in reverse arrival order once all arrived: later requests answer first.
        if (held.length === n) setImmediate(() => held.reverse().forEach((r) => r()));
      }),
  });
  const client = startClient(t);
  const order: number[] = [];
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      client.invoke(address, { code: HOLD, extFields: { i } }).then((res) => {
        order.push(Number(res.extFields.i));
        return res;
      }),
    ),
  );
  results.forEach((res, i) => {
    t.is(res.code, 0);
    t.is(res.extFields.i, String(i));
    t.is(res.flag & FLAG_RESPONSE, FLAG_RESPONSE);
    t.is(res.serializeType, 0);
  });
  t.deepEqual(order, Array.from({ length: n }, (_, i) => n - 1 - i));
  t.is(client.addresses().length, 1);
});

test('one-way requests run their processor and get no response', async (t) => {
  const seen: RemotingCommand[] = [];
  const { port } = await startServer(t, {
    [ECHO]: (req) => {
      seen.push(req);
      return ok(req);
    },
  });
  const peer = await rawPeer(t, port);
  peer.socket.write(encodeCommand(createRequest({ code: ECHO, opaque: 1, oneway: true, extFields: { k: 'one-way' } })));
  peer.socket.write(encodeCommand(createRequest({ code: ECHO, opaque: 2, extFields: { k: 'normal' } })));
  const [only] = await peer.waitFrames(1);
  t.is(only!.opaque, 2);
  t.deepEqual(seen.map((r) => [r.opaque, r.flag & FLAG_ONEWAY]), [[1, FLAG_ONEWAY], [2, 0]]);
  // A third request proves nothing for opaque 1 was queued before it.
  peer.socket.write(encodeCommand(createRequest({ code: ECHO, opaque: 3 })));
  const frames = await peer.waitFrames(2);
  t.deepEqual(frames.map((f) => f.opaque), [2, 3]);
  const client = startClient(t);
  await client.invokeOneway(`127.0.0.1:${port}`, { code: ECHO, extFields: { k: 'sdk' } });
  await waitFor(() => seen.length === 4);
  t.is(seen[3]!.flag & FLAG_ONEWAY, FLAG_ONEWAY);
});

test('an unknown request code answers REQUEST_CODE_NOT_SUPPORTED with a remark', async (t) => {
  const { address } = await startServer(t, {});
  const client = startClient(t);
  const res = await client.invoke(address, { code: 4242 });
  t.is(res.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  t.regex(res.remark ?? '', /4242 not supported/);
});

test('processor errors: CometError answers its remoting code and message; others SYSTEM_ERROR; sync throws too', async (t) => {
  const { address } = await startServer(t, {
    1: () => Promise.reject(new CometError('TOPIC_NOT_FOUND', 'topic T does not exist')),
    2: () => {
      throw new CometError('MESSAGE_TOO_LARGE', 'body too big');
    },
    3: () => Promise.reject(new TypeError('boom')),
    4: () => {
      throw new RangeError('sync boom');
    },
  });
  const client = startClient(t);
  const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map((code) => client.invoke(address, { code })));
  t.like(a, { code: ResponseCode.TOPIC_NOT_EXIST, remark: 'topic T does not exist' });
  t.like(b, { code: ResponseCode.MESSAGE_ILLEGAL, remark: 'body too big' });
  t.like(c, { code: ResponseCode.SYSTEM_ERROR, remark: 'boom' });
  t.like(d, { code: ResponseCode.SYSTEM_ERROR, remark: 'sync boom' });
  // The server is still fine.
  t.is((await client.invoke(address, { code: 7 })).code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
});

test('a response keeps the request header type: JSON for JSON, binary for binary; body round-trips', async (t) => {
  const { port } = await startServer(t, { [ECHO]: ok });
  const peer = await rawPeer(t, port);
  const body = Buffer.from('payload');
  peer.socket.write(encodeCommand(createRequest({ code: ECHO, opaque: 10, extFields: { a: 1 }, body })));
  peer.socket.write(encodeCommand({ ...createRequest({ code: ECHO, opaque: 11, extFields: { b: 'x' } }), serializeType: 1 }));
  const [json, binary] = await peer.waitFrames(2);
  t.like(json, { opaque: 10, serializeType: 0, code: 0 });
  t.is(Buffer.from(json!.body!).toString(), 'payload');
  t.like(binary, { opaque: 11, serializeType: 1, code: 0 });
  t.is(binary!.extFields.b, 'x');
});

test('SYSTEM_BUSY beyond maxInflightPerConnection, answered at once; the held ones still complete', async (t) => {
  const gate = deferred();
  let started = 0;
  const { address } = await startServer(
    t,
    {
      [HOLD]: async (req) => {
        started += 1;
        await gate.promise;
        return ok(req);
      },
    },
    { maxInflightPerConnection: 4 },
  );
  const client = startClient(t);
  const all = Array.from({ length: 6 }, (_, i) => client.invoke(address, { code: HOLD, extFields: { i } }));
  const busy = await Promise.race([Promise.all([all[4]!, all[5]!]), gate.promise.then(() => undefined)]);
  t.truthy(busy, 'the two extra requests were answered while the four were held');
  t.deepEqual(busy!.map((r) => r.code), [ResponseCode.SYSTEM_BUSY, ResponseCode.SYSTEM_BUSY]);
  t.is(started, 4);
  gate.resolve();
  const done = await Promise.all(all.slice(0, 4));
  t.deepEqual(done.map((r) => r.code), [0, 0, 0, 0]);
});

test('server-initiated one-way requests reach onServerRequest; connection facts are right', async (t) => {
  const conns: RemotingConnection[] = [];
  const { address, server } = await startServer(t, {
    [ECHO]: (req, conn) => {
      conns.push(conn);
      return ok(req);
    },
  });
  const received: Array<[string, RemotingCommand]> = [];
  const client = startClient(t, { onServerRequest: (addr, req) => received.push([addr, req]) });
  await client.invoke(address, { code: ECHO });
  const conn = conns[0]!;
  t.regex(conn.remoteAddress, /^127\.0\.0\.1:\d+$/);
  t.is(conn.remoteAddress, `127.0.0.1:${conn.remotePort}`);
  t.false(conn.closed);
  t.is(server.connections().length, 1);
  conn.sendOneway({ code: 40, extFields: { consumerGroup: 'G' } });
  conn.sendOneway({ code: 40, extFields: { consumerGroup: 'H' } });
  await waitFor(() => received.length === 2);
  t.is(received[0]![0], address);
  t.like(received[0]![1], { code: 40, flag: FLAG_ONEWAY });
  t.deepEqual(received.map(([, r]) => r.extFields.consumerGroup), ['G', 'H']);
  t.not(received[0]![1].opaque, received[1]![1].opaque);
  let closedSeen = false;
  const closedEvent = new Promise<void>((resolve) =>
    conn.onClose(() => {
      closedSeen = true;
      resolve();
    }),
  );
  client.closeConnection(address);
  await closedEvent;
  t.true(closedSeen && conn.closed);
  await waitFor(() => server.connections().length === 0);
  conn.sendOneway({ code: 40 }); // to a closed connection: dropped, no throw
});

test('a malformed header with a readable opaque is answered with an error, then the connection closes', async (t) => {
  const { port, address } = await startServer(t, { [ECHO]: ok });
  const peer = await rawPeer(t, port);
  peer.socket.write(rawJsonFrame('{"code":900,"opaque":77,"extFields":{"a":{"nested":1}}}'));
  const [res] = await peer.waitFrames(1);
  t.like(res, { opaque: 77, code: ResponseCode.SYSTEM_ERROR, flag: FLAG_RESPONSE });
  t.regex(res!.remark ?? '', /extFields\.a is not a scalar/);
  await peer.closed;
  // Garbage without an opaque: just closed.
  const peer2 = await rawPeer(t, port);
  peer2.socket.write(rawJsonFrame('{{{ not json'));
  await peer2.closed;
  t.is(peer2.frames.length, 0);
  const client = startClient(t);
  t.is((await client.invoke(address, { code: ECHO })).code, 0);
});

test('oversize and undersize length fields close the connection without an answer', async (t) => {
  const { port, server } = await startServer(t, { [ECHO]: ok }, { maxFrameBytes: 1024 });
  for (const length of [1025, 2 ** 31 - 1, -5, 3]) {
    const peer = await rawPeer(t, port);
    const head = Buffer.alloc(8);
    head.writeInt32BE(length, 0);
    peer.socket.write(head);
    await peer.closed;
    t.is(peer.frames.length, 0, `length ${length}`);
  }
  await waitFor(() => server.connections().length === 0);
});

test('an idle connection is closed after idleTimeoutMs; one with a request in flight is not', async (t) => {
  const gate = deferred();
  const { port, server } = await startServer(t, { [HOLD]: async (req) => (await gate.promise, ok(req)) }, { idleTimeoutMs: 100 });
  const busy = await rawPeer(t, port);
  busy.socket.write(encodeCommand(createRequest({ code: HOLD, opaque: 1 })));
  const idle = await rawPeer(t, port);
  await idle.closed;
  t.false(busy.isClosed());
  gate.resolve();
  const [res] = await busy.waitFrames(1);
  t.is(res!.code, 0);
  await busy.closed; // idle again after its answer
  await waitFor(() => server.connections().length === 0);
});

test('close(deadline) lets running processors answer, then closes every connection', async (t) => {
  const gate = deferred();
  const { address, server } = await startServer(t, { [HOLD]: async (req) => (await gate.promise, ok(req)) });
  const client = startClient(t);
  const pending = client.invoke(address, { code: HOLD }, 10_000);
  await waitFor(() => server.inflight() === 1);
  const closing = server.close(performance.now() + 10_000);
  gate.resolve();
  t.is((await pending).code, 0);
  await closing;
  t.is(server.connections().length, 0);
  await t.throwsAsync(client.invoke(address, { code: HOLD }), { instanceOf: CometError, message: /ECONNREFUSED|closed/ });
});

test('close(deadline) does not wait past its deadline for a stuck processor', async (t) => {
  const { address, server } = await startServer(t, { [HOLD]: () => new Promise<undefined>(() => undefined) });
  const client = startClient(t);
  const pending = client.invoke(address, { code: HOLD }, 10_000);
  await waitFor(() => server.inflight() === 1);
  await server.close(performance.now() + 50);
  const err = await t.throwsAsync(pending);
  t.true(err instanceof CometError && err.code === 'REMOTING_CONNECT_FAILED');
});

test('listening on a port in use rejects REMOTING_LISTEN_FAILED', async (t) => {
  const { port } = await startServer(t, {});
  const second = createRemotingServer({ host: '127.0.0.1', port }, silent);
  const err = await t.throwsAsync(second.listen());
  t.true(err instanceof CometError && err.code === 'REMOTING_LISTEN_FAILED');
  await second.close(performance.now());
});

test('a peer that resets mid-request: the late response is dropped, nothing crashes, the connection is forgotten', async (t) => {
  const gate = deferred();
  let finished = false;
  const { port, server, address } = await startServer(t, {
    [HOLD]: async (req) => {
      await gate.promise;
      finished = true;
      return ok(req);
    },
  });
  const peer = await rawPeer(t, port);
  peer.socket.write(encodeCommand(createRequest({ code: HOLD, opaque: 1 })));
  await waitFor(() => server.inflight() === 1);
  peer.socket.resetAndDestroy();
  await waitFor(() => server.connections().length === 0);
  gate.resolve();
  await waitFor(() => finished && server.inflight() === 0);
  const client = startClient(t);
  t.is((await client.invoke(address, { code: 4242 })).code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
});
