import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../config/layers.js';
import { redact } from '../config/resolve.js';
import { CometError } from '../errors.js';
import { prepare } from '../lifecycle/prepare.js';
import { renderErrorsDoc, renderErrorsText } from './errors-doc.js';
import { sourcesFrom, withConfigOptions, type ConfigOptions } from './options.js';
import { describeError, runStart } from './start.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** Exit 2 with a coded error for roles that later issues add. */
function notImplemented(command: string, issue: string): void {
  err(describeError(new CometError('CLI_NOT_IMPLEMENTED', `cometmq ${command}: not implemented yet (${issue}); use \`cometmq start\``)));
  process.exitCode = 2;
}

export function buildProgram(): Command {
  const program = new Command('cometmq')
    .description('CometMQ: a RocketMQ-style message broker for Node.js')
    .version(version())
    .showHelpAfterError();

  withConfigOptions(program.command('start'))
    .description('run one broker in this process with every configured plugin (Ctrl-C / SIGTERM stops it)')
    .action((opts: ConfigOptions) =>
      runStart(sourcesFrom(opts, process.env, process.cwd()), {
        out,
        err,
        exit: (code) => process.exit(code),
      }),
    );

  const config = program.command('config').description('inspect configuration');
  withConfigOptions(config.command('print'))
    .description('print the effective configuration (validated, credentials redacted) as JSON')
    .action(async (opts: ConfigOptions) => {
      try {
        const { config: effective } = await prepare(sourcesFrom(opts, process.env, process.cwd()), []);
        out(JSON.stringify(redact(effective), null, 2));
      } catch (e) {
        err(describeError(e));
        process.exitCode = 1;
      }
    });

  program
    .command('errors')
    .description('list every error code (--markdown: the docs/errors.md table)')
    .option('--markdown', 'print docs/errors.md')
    .action((opts: { markdown?: boolean }) => void process.stdout.write(opts.markdown ? renderErrorsDoc() : `${renderErrorsText()}\n`));

  program.command('namesrv').description('run a name server only (issue 3)').allowUnknownOption().action(() => notImplemented('namesrv', 'issue 3'));
  program.command('broker').description('run broker plugins only, registering with name servers (issue 3)').allowUnknownOption().action(() => notImplemented('broker', 'issue 3'));
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
