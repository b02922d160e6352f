// The `jml` command tree: global settings first, so every command added after inherits them.
import { Command, Option } from 'commander';
import { version } from '../package.json';
import { DEFAULT_TIMEOUT_MS } from './api-client';
import { approvalCommands } from './approvals';
import { auditCommands } from './audit';
import { checkCommands } from './checks';
import { completionCommand } from './completion';
import { eventCommand } from './event';
import { evidenceCommands } from './evidence';
import { guardCommands } from './guard';
import { ENVIRONMENT, EXIT_CODES } from './help-text';
import { planCommand } from './plan';
import { reconcileCommand } from './reconcile';
import { reportCommand } from './report';
import { retryCommand } from './retry';
import { rosterCommands } from './roster';
import { skipCommand } from './skip';
import { statusCommand } from './status';
import { taskCommands } from './tasks';
import { tokenCommand } from './token';
import { positiveDuration } from './validate';

export function buildProgram(): Command {
  const program = new Command('jml')
    .description(
      "Identity lifecycle automation: send signed HR events, follow and retry a person's lifecycle, " +
        'decide approvals and manual tasks, preview and check the policy.',
    )
    .version(version, '-V, --version', "print jml's version")
    .addOption(
      new Option('--timeout <duration>', 'give up on an API request after this long')
        .argParser(positiveDuration)
        .default(DEFAULT_TIMEOUT_MS, '30s'),
    )
    // Errors come back to main as exceptions so it decides the exit code (2 for bad input).
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'jml: ')) })
    .addHelpText('after', `${ENVIRONMENT}\n${EXIT_CODES}`);

  eventCommand(program);
  statusCommand(program);
  retryCommand(program);
  reconcileCommand(program);
  skipCommand(program);
  rosterCommands(program);
  planCommand(program);
  approvalCommands(program);
  guardCommands(program);
  taskCommands(program);
  tokenCommand(program);
  checkCommands(program);
  auditCommands(program);
  evidenceCommands(program);
  reportCommand(program);
  completionCommand(program);
  usageAfterErrors(program, 'jml');
  return program;
}

/** After a usage error, the command's own usage line and where to read more, not the whole help. */
function usageAfterErrors(command: Command, name: string): void {
  command.showHelpAfterError(`usage: ${name} ${command.usage()}\n(${name} --help for more)`);
  for (const sub of command.commands) usageAfterErrors(sub, `${name} ${sub.name()}`);
}
