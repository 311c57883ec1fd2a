import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { isCometError } from '../../errors.js';
import { fetchNamesrvAddrs, parseNamesrvAddrList, resolveNamesrvAddrs } from './namesrv-address.js';

test('address lists: `;` (Java), `,` and spaces; validated and de-duplicated', (t) => {
  t.deepEqual(parseNamesrvAddrList('a:9876;b.example:9877; 10.0.0.1:1 ,a:9876'), ['a:9876', 'b.example:9877', '10.0.0.1:1']);
  t.deepEqual(parseNamesrvAddrList(['a:1;b:2', 'c:3']), ['a:1', 'b:2', 'c:3']);
  for (const bad of ['a', 'a:0', 'a:70000', ':1', '[::1]:9876', 'a b:1x', 'host_x:1']) {
    t.true(isCometError(t.throws(() => parseNamesrvAddrList(bad)), 'NAMESRV_ADDR_INVALID'), bad);
  }
});

test('resolve: option beats NAMESRV_ADDR beats the endpoint; none is SDK_NAMESRV_UNAVAILABLE', async (t) => {
  const fetch = () => Promise.resolve({ ok: true, status: 200, text: () => Promise.resolve('h:3\n') });
  t.deepEqual(await resolveNamesrvAddrs({ namesrvAddr: 'o:1', env: { NAMESRV_ADDR: 'e:2' }, endpoint: 'http://x', fetch }), { addrs: ['o:1'], source: 'option' });
  t.deepEqual(await resolveNamesrvAddrs({ env: { NAMESRV_ADDR: 'e:2;e:3' }, endpoint: 'http://x', fetch }), { addrs: ['e:2', 'e:3'], source: 'env' });
  t.deepEqual(await resolveNamesrvAddrs({ env: {}, endpoint: 'http://x', fetch }), { addrs: ['h:3'], source: 'endpoint' });
  const e = await t.throwsAsync(resolveNamesrvAddrs({ env: {} }));
  t.true(isCometError(e, 'SDK_NAMESRV_UNAVAILABLE'));
});

test('HTTP endpoint on 127.0.0.1: served list, non-2xx and a silent server each handled (bounded by the timeout)', async (t) => {
  let mode: 'ok' | 'error' | 'silent' = 'ok';
  const server = createServer((req, res) => {
    if (mode === 'ok') res.end('127.0.0.1:9876;127.0.0.1:9877');
    else if (mode === 'error') res.writeHead(500).end('nope');
    // silent: never answers
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rocketmq/nsaddr`;
  t.deepEqual(await fetchNamesrvAddrs(url), ['127.0.0.1:9876', '127.0.0.1:9877']);
  mode = 'error';
  t.regex((await t.throwsAsync(fetchNamesrvAddrs(url)))?.message ?? '', /HTTP 500/);
  mode = 'silent';
  const e = await t.throwsAsync(fetchNamesrvAddrs(url, { timeoutMs: 200 }));
  t.true(isCometError(e, 'NAMESRV_ADDR_LOOKUP_FAILED'));
  t.regex(e?.message ?? '', /did not answer within 200 ms/);
});
