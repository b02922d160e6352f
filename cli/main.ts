// `jml`: the command line front door to the jml HTTP API, and checks of configuration and policy.
// Every way it ends maps to one of the documented exit codes (exit-codes.ts).
import { CommanderError } from 'commander';
import { applyDevSecrets } from '../common/dev-secrets';
import { ConfigError } from '../config/load';
import { setRequestTimeout } from './api-client';
import { CliError, EXIT, FileError } from './exit-codes';
import { buildProgram } from './program';

function exitCodeOf(error: unknown): number {
  // Commander has already printed its message (and exits 0 for --help).
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.done : EXIT.badInput;
  if (error instanceof FileError || error instanceof ConfigError) {
    console.error(error.message);
    return EXIT.badInput;
  }
  if (error instanceof CliError) {
    console.error(`jml: ${error.message}`);
    return error.exitCode;
  }
  console.error(`jml: ${(error as Error).message}`);
  return EXIT.refused;
}

async function main(argv: string[]): Promise<number> {
  // `jml --help | head` closes the pipe early; that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.done);
    throw error;
  });
  applyDevSecrets(process.env, false);
  const program = buildProgram();
  program.hook('preAction', (root) => setRequestTimeout(root.opts<{ timeout: number }>().timeout));
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.done;
  }
  await program.parseAsync(argv, { from: 'user' });
  return Number(process.exitCode ?? EXIT.done);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(exitCodeOf(error)),
);
