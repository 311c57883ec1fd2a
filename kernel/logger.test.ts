import test from 'ava';
import { captureLogger } from '../test/helpers/kernel-logs.js';

test('credentials are redacted from log lines at any of the first three levels', (t) => {
  const { logger, entries } = captureLogger('info');
  logger.info({ password: 'p1', user: { secret: 's1', name: 'u' }, creds: { acl: { accessKeySecret: 'k1', token: 't1' } } }, 'login');
  const line = JSON.stringify(entries[0]);
  for (const secret of ['p1', 's1', 'k1', 't1']) t.false(line.includes(`"${secret}"`), secret);
  t.true(line.includes('"name":"u"'));
  t.is(entries[0]?.password, '[Redacted]');
});

test('a plugin child logger tags every line with its name', (t) => {
  const { logger, entries } = captureLogger('info');
  logger.child({ plugin: 'store-commitlog' }).info('opened');
  t.is(entries[0]?.plugin, 'store-commitlog');
});
