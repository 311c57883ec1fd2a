import { ERRORS, type ErrorCode } from '../errors.js';

export interface ErrorRow {
  readonly code: string;
  readonly meaning: string;
  readonly action: string;
  readonly httpStatus: number;
  readonly remotingCode: number;
}

const HEADER = '| code | meaning | what to do | HTTP | remoting |';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** docs/errors.md, generated from kernel/errors.ts (`cometmq errors --markdown > docs/errors.md`). */
export function renderErrorsDoc(): string {
  const rows = (Object.keys(ERRORS) as ErrorCode[]).map((code) => {
    const e = ERRORS[code];
    return `| \`${code}\` | ${cell(e.meaning)} | ${cell(e.action)} | ${e.httpStatus} | ${e.remotingCode} |`;
  });
  return [
    '# Errors',
    '',
    'Every error CometMQ raises is a `CometError` with a stable `code` from the one registry,',
    '`kernel/errors.ts`. Doors map the code to an HTTP status, a WebSocket close reason or a RocketMQ',
    'remoting response code (shared/rocketmq-protocol.md §1.6) from the same row. Library errors are',
    'wrapped under a code with the original as `cause`; expected outcomes (a rejected append, an empty',
    'read) are result values, not errors.',
    '',
    'This table is generated: `node kernel/cli/cometmq.mjs errors --markdown > docs/errors.md`.',
    '`kernel/cli/errors-doc.test.ts` fails when it and the registry disagree.',
    '',
    HEADER,
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** The rows of the table in a markdown document (pipes inside cells escaped as `\|`). */
export function parseErrorsTable(markdown: string): ErrorRow[] {
  const rows: ErrorRow[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2]!.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
    rows.push({ code: m[1]!, meaning: cells[0] ?? '', action: cells[1] ?? '', httpStatus: Number(cells[2]), remotingCode: Number(cells[3]) });
  }
  return rows;
}

/** Human-readable list for `cometmq errors`. */
export function renderErrorsText(): string {
  return (Object.keys(ERRORS) as ErrorCode[])
    .map((code) => `${code.padEnd(30)} ${ERRORS[code].httpStatus} ${ERRORS[code].meaning}`)
    .join('\n');
}
