import test from 'ava';
import net from 'node:net';
import { CometError } from '../../errors.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { ClientConnection, parseAddress } from './client-connection.js';
import { MAX_FRAME_BYTES } from './codes.js';
import type { RemotingCommand } from './command.js';
import { createRequest, createResponse } from './command.js';
import { createRemotingServer } from './server.js';
import { deferred, silent, startClient, startServer } from './test-fixtures.js';

const ECHO = 900;
const HOLD = 901;
const ok = (req: RemotingCommand): RemotingCommand => createResponse(req, { code: 0, extFields: { ...req.extFields } });
const coded = (e: unknown): string | undefined => (e instanceof CometError ? e.code : undefined);

test('a request without an answer times out with REMOTING_TIMEOUT; the connection keeps working', async (t) => {
  const gate = deferred();
  const { address } = await startServer(t, { [HOLD]: async (req) => (await gate.promise, ok(req)), [ECHO]: ok });
  const client = startClient(t, { requestTimeoutMs: 5000 });
  const err = await t.throwsAsync(client.invoke(address, { code: HOLD }, 50));
  t.is(coded(err), 'REMOTING_TIMEOUT');
  t.is(client.pendingCount(address), 0);
  gate.resolve(); // the late answer is dropped
  t.is((await client.invoke(address, { code: ECHO, extFields: { x: 1 } })).extFields.x, '1');
});

test('shared deadline timer: a shorter timeout sent after a longer one fires first; an answered request does not time out', async (t) => {
  const gate = deferred();
  const { address } = await startServer(t, { [HOLD]: async (req) => (await gate.promise, ok(req)), [ECHO]: ok });
  const client = startClient(t);
  const order: string[] = [];
  const track = (name: string, p: Promise<RemotingCommand>): Promise<unknown> =>
    p.then(
      () => order.push(`${name}:ok`),
      (e: unknown) => order.push(`${name}:${coded(e) ?? String(e)}`),
    );
  const long = track('long', client.invoke(address, { code: HOLD }, 400));
  await track('answered', client.invoke(address, { code: ECHO }, 5000));
  await track('short', client.invoke(address, { code: HOLD }, 60));
  t.deepEqual(order, ['answered:ok', 'short:REMOTING_TIMEOUT']);
  t.is(client.pendingCount(address), 1);
  await long;
  t.deepEqual(order, ['answered:ok', 'short:REMOTING_TIMEOUT', 'long:REMOTING_TIMEOUT']);
  t.is(client.pendingCount(address), 0);
  gate.resolve();
});

test('server close fails the pending requests with REMOTING_CONNECT_FAILED; the next invoke reconnects after a restart', async (t) => {
  const { address, server, port } = await startServer(t, { [HOLD]: () => new Promise<undefined>(() => undefined) });
  const client = startClient(t);
  const pending = [client.invoke(address, { code: HOLD }, 10_000), client.invoke(address, { code: HOLD }, 10_000)];
  await waitFor(() => server.inflight() === 2);
  await server.close(performance.now());
  for (const p of pending) t.is(coded(await t.throwsAsync(p)), 'REMOTING_CONNECT_FAILED');
  await waitFor(() => client.addresses().length === 0);
  t.is(coded(await t.throwsAsync(client.invoke(address, { code: ECHO }))), 'REMOTING_CONNECT_FAILED');
  // Restart on the same port: the same client reconnects on its own.
  const again = createRemotingServer({ host: '127.0.0.1', port }, silent);
  again.handle(ECHO, ok);
  await again.listen();
  t.teardown(() => again.close(performance.now()));
  const res = await client.invoke(address, { code: ECHO, extFields: { back: true } });
  t.is(res.extFields.back, 'true');
});

test('connecting to a closed port fails with REMOTING_CONNECT_FAILED; a bad address too', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const client = startClient(t);
  t.is(coded(await t.throwsAsync(client.invoke(`127.0.0.1:${port}`, { code: ECHO }))), 'REMOTING_CONNECT_FAILED');
  t.is(coded(await t.throwsAsync(client.invokeOneway(`127.0.0.1:${port}`, { code: ECHO }))), 'REMOTING_CONNECT_FAILED');
  t.is(coded(await t.throwsAsync(client.invoke('no-port', { code: ECHO }))), 'REMOTING_CONNECT_FAILED');
  t.deepEqual(parseAddress('broker-a:10911'), { host: 'broker-a', port: 10911 });
});

test('close() fails pending requests and refuses later ones; closeConnection closes one address', async (t) => {
  const { address } = await startServer(t, { [HOLD]: () => new Promise<undefined>(() => undefined), [ECHO]: ok });
  const client = startClient(t);
  const a = client.invoke(address, { code: HOLD }, 10_000);
  await waitFor(() => client.pendingCount(address) === 1);
  client.closeConnection(address);
  t.is(coded(await t.throwsAsync(a)), 'REMOTING_CONNECT_FAILED');
  t.is((await client.invoke(address, { code: ECHO })).code, 0);
  const b = client.invoke(address, { code: HOLD }, 10_000);
  await client.close();
  t.is(coded(await t.throwsAsync(b)), 'REMOTING_CONNECT_FAILED');
  t.is(coded(await t.throwsAsync(client.invoke(address, { code: ECHO }))), 'REMOTING_CONNECT_FAILED');
});

test('pending requests per connection are bounded with REMOTING_CONNECTION_OVERLOADED', async (t) => {
  const { address } = await startServer(t, { [HOLD]: () => new Promise<undefined>(() => undefined) });
  const conn = new ClientConnection(
    address,
    { connectTimeoutMs: 1000, maxFrameBytes: MAX_FRAME_BYTES, maxPendingRequests: 3, maxPendingWriteBytes: 1 << 20, onServerRequest: undefined, onGone: () => undefined },
    silent,
  );
  t.teardown(() => conn.destroy(new CometError('REMOTING_CONNECT_FAILED', 'test over')));
  const held = [1, 2, 3].map((opaque) => conn.request(createRequest({ code: HOLD, opaque }), 10_000));
  for (const p of held) p.catch(() => undefined);
  const err = await t.throwsAsync(conn.request(createRequest({ code: HOLD, opaque: 4 }), 10_000));
  t.is(coded(err), 'REMOTING_CONNECTION_OVERLOADED');
  t.is(conn.pendingCount, 3);
});

test('a server sending garbage makes the client drop that connection and fail its requests', async (t) => {
  const evil = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, 4, 0x7b, 0x7b, 0x7b, 0x7b])));
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => evil.close(() => resolve())));
  const { port } = evil.address() as net.AddressInfo;
  const client = startClient(t);
  t.is(coded(await t.throwsAsync(client.invoke(`127.0.0.1:${port}`, { code: ECHO }, 5000))), 'REMOTING_CONNECT_FAILED');
  await waitFor(() => client.addresses().length === 0);
});
