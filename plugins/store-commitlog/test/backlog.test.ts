import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { bundleChild, exited, spawnChild } from '../../../test/helpers/store-child.js';
import { storeTempDir } from '../../../test/helpers/store-fixtures.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const COUNT = 1_000_000;
const RSS_LIMIT_MB = 300;

test('a 1,000,000-message single-queue backlog is written and read back complete, in order, with bounded memory', async (t) => {
  t.timeout(180_000);
  const dir = await storeTempDir(t);
  const child = await bundleChild(path.join(HERE, 'backlog-child.ts'));
  t.teardown(child.remove);
  const lines: string[] = [];
  const proc = spawnChild(child.file, [dir, String(COUNT)], (l) => lines.push(l));
  t.is(await exited(proc), 0);
  const report = JSON.parse(lines.at(-1) ?? '{}') as { written: number; read: number; mismatches: number; segments: number; rssPeakMb: number };
  t.log(report);
  t.is(report.read, COUNT);
  t.is(report.mismatches, 0);
  t.true(report.segments > 10, 'the log rolled');
  t.true(report.rssPeakMb < RSS_LIMIT_MB, `peak RSS ${report.rssPeakMb} MB`);
});
