import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { packageRoot } from '../config/layers.js';
import { ERRORS, type ErrorCode } from '../errors.js';
import { parseErrorsTable, renderErrorsDoc } from './errors-doc.js';

const doc = readFileSync(path.join(packageRoot(), 'docs', 'errors.md'), 'utf8');
const rows = parseErrorsTable(doc);
const HINT = 'regenerate with: node kernel/cli/cometmq.mjs errors --markdown > docs/errors.md';

test('every code in kernel/errors.ts has a row in docs/errors.md and vice versa', (t) => {
  const documented = rows.map((r) => r.code).sort();
  const registered = Object.keys(ERRORS).sort();
  t.deepEqual(documented, registered, HINT);
  t.is(new Set(documented).size, documented.length, 'no code documented twice');
});

test('each row states the registry meaning, action, HTTP status and remoting code', (t) => {
  for (const row of rows) {
    const spec = ERRORS[row.code as ErrorCode];
    if (!spec) continue;
    t.deepEqual(
      [row.meaning, row.action, row.httpStatus, row.remotingCode],
      [spec.meaning, spec.action, spec.httpStatus, spec.remotingCode],
      `${row.code}: ${HINT}`,
    );
  }
});

test('the generated table parses back to the registry (pipes in cells survive)', (t) => {
  const parsed = parseErrorsTable(renderErrorsDoc());
  t.is(parsed.length, Object.keys(ERRORS).length);
  t.true(parsed.some((r) => r.meaning.includes('[%|a-zA-Z0-9_-]')));
});
