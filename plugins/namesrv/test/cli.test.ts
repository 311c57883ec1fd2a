import test from 'ava';
import { pino } from 'pino';
import { createRemotingClient } from '../../../kernel/protocol/remoting/client.js';
import { RequestCode, ResponseCode } from '../../../kernel/protocol/remoting/codes.js';
import { parseClusterInfo, parseTopicRouteData } from '../../../kernel/protocol/remoting/route.js';
import { tempDir } from '../../../test/helpers/kernel-harness.js';
import { spawnCli } from '../../../test/helpers/kernel-cli.js';
import { eventually } from '../../../test/helpers/wait.js';

const LISTEN = /^cometmq namesrv listening on (127\.0\.0\.1:\d+)$/;

async function startNamesrv(t: import('ava').ExecutionContext, dataDir: string) {
  const cli = spawnCli(['namesrv', '--data-dir', dataDir, '--set', 'plugins.namesrv.port=0', '--set', 'plugins.namesrv.host=127.0.0.1']);
  t.teardown(() => void cli.child.kill('SIGKILL'));
  const line = await cli.waitForLine(LISTEN, 60_000);
  return { cli, addr: LISTEN.exec(line)![1]! };
}

test('cometmq namesrv starts on port 0, prints its address, answers requests, stops on SIGTERM with exit 0', async (t) => {
  const dataDir = await tempDir(t, 'cometmq-namesrv-');
  const { cli, addr } = await startNamesrv(t, dataDir);
  await cli.waitForLine(/^cometmq ready: .*plugins=namesrv flush=none$/, 10_000);
  const client = createRemotingClient({ requestTimeoutMs: 3000 }, pino({ level: 'silent' }));
  t.teardown(() => client.close());
  const res = await client.invoke(addr, { code: RequestCode.GET_BROKER_CLUSTER_INFO });
  t.is(res.code, ResponseCode.SUCCESS);
  t.deepEqual(parseClusterInfo(res.body), { brokerAddrTable: {}, clusterAddrTable: {} });
  cli.child.kill('SIGTERM');
  const run = await cli.exited;
  t.is(run.code, 0, run.stderr);
  t.true(run.stdout.includes('cometmq stopped (SIGTERM)'));
});

test('cometmq broker (no embedded name server) registers with --namesrv; NAMESRV_ADDR works the same', async (t) => {
  const ns = await startNamesrv(t, await tempDir(t, 'cometmq-namesrv-'));
  const client = createRemotingClient({ requestTimeoutMs: 3000 }, pino({ level: 'silent' }));
  t.teardown(() => client.close());
  const common = ['--set', 'plugins.remoting.port=0', '--set', 'plugins.remoting.host=127.0.0.1', '--set', 'plugins.messaging.autoCreateTopics=true'];
  for (const [brokerName, how] of [['broker-flag', 'flag'], ['broker-env', 'env']] as const) {
    const dataDir = await tempDir(t, 'cometmq-broker-');
    const args = ['broker', '--data-dir', dataDir, '--set', `brokerName=${brokerName}`, ...common, ...(how === 'flag' ? ['--namesrv', `${ns.addr};127.0.0.1:1`] : [])];
    const cli = spawnCli(args, how === 'env' ? { env: { NAMESRV_ADDR: ns.addr } } : {});
    t.teardown(() => void cli.child.kill('SIGKILL'));
    const ready = await cli.waitForLine(/^cometmq ready:/, 60_000);
    t.false(/plugins=[^ ]*\bnamesrv\b/.test(ready), ready);
    t.regex(ready, /broker-registration/);
    const info = await eventually(async () => {
      const c = parseClusterInfo((await client.invoke(ns.addr, { code: RequestCode.GET_BROKER_CLUSTER_INFO })).body);
      if (!c.brokerAddrTable[brokerName]) throw new Error(`${brokerName} not registered yet`);
      return c;
    }, { timeoutMs: 20_000 });
    t.regex(info.brokerAddrTable[brokerName]!.brokerAddrs['0'] ?? '', /^127\.0\.0\.1:\d+$/);
    t.not(info.brokerAddrTable[brokerName]!.brokerAddrs['0'], '127.0.0.1:10911', 'brokerAddr carries the native door\'s real port');
    cli.child.kill('SIGTERM');
    const run = await cli.exited;
    t.is(run.code, 0, run.stderr);
    const after = parseClusterInfo((await client.invoke(ns.addr, { code: RequestCode.GET_BROKER_CLUSTER_INFO })).body);
    t.false(Object.hasOwn(after.brokerAddrTable, brokerName), 'unregistered on stop');
  }
  // A route lookup for an unknown topic is a clean 17.
  const res = await client.invoke(ns.addr, { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, extFields: { topic: 'Nope' } });
  t.is(res.code, ResponseCode.TOPIC_NOT_EXIST);
  t.throws(() => parseTopicRouteData(res.body));
});
