import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { packageRoot, type ConfigSources } from '../config/layers.js';
import { redact } from '../config/resolve.js';
import { prepare } from '../lifecycle/prepare.js';
import { renderErrorsDoc, renderErrorsText } from './errors-doc.js';
import { sourcesFrom, withConfigOptions, type ConfigOptions } from './options.js';
import { brokerSources, namesrvSources, printNamesrvReady, withNamesrvAddrEnv } from './roles.js';
import { describeError, runStart, type StartIO } from './start.js';
import type { Kernel } from '../kernel.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** Run a kernel role; config problems found while choosing its plugins exit 1 like start's. */
function runRole(sources: () => ConfigSources, ready?: (kernel: Kernel, io: StartIO) => void): Promise<void> {
  const io: StartIO = { out, err, exit: (code) => process.exit(code) };
  let resolved: ConfigSources;
  try {
    resolved = sources();
  } catch (e) {
    err(describeError(e));
    process.exitCode = 1;
    return Promise.resolve();
  }
  return runStart(resolved, io, ready);
}

export function buildProgram(): Command {
  const program = new Command('cometmq')
    .description('CometMQ: a RocketMQ-style message broker for Node.js')
    .version(version())
    .showHelpAfterError();

  withConfigOptions(program.command('start'))
    .description('run one broker in this process with every configured plugin (Ctrl-C / SIGTERM stops it)')
    .action((opts: ConfigOptions) =>
      runRole(() => withNamesrvAddrEnv(sourcesFrom(opts, process.env, process.cwd()))),
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

  withConfigOptions(program.command('namesrv'))
    .description('run a name server only (plugin namesrv; port: plugins.namesrv.port, default 9876)')
    .action((opts: ConfigOptions) => runRole(() => namesrvSources(sourcesFrom(opts, process.env, process.cwd())), printNamesrvReady));
  withConfigOptions(program.command('broker'))
    .description('run a broker without the embedded name server, registering with name servers (--namesrv, NAMESRV_ADDR or config)')
    .option('--namesrv <addrs>', 'name servers, `host:port;host:port` (plugins.broker-registration.namesrvAddrs)')
    .action((opts: ConfigOptions & { namesrv?: string }) => runRole(() => brokerSources(sourcesFrom(opts, process.env, process.cwd()), opts.namesrv)));
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
