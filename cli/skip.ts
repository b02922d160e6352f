// `jml skip`: an operator sets one of a leaver's applications aside with a justification, over the
// HTTP API (the workflow's `skipApp` update, which refuses at once a skip that cannot be taken).
import type { Command } from 'commander';
import { employeeIdSchema } from '../domain/hr-event';
import type { SkipDecision } from '../domain/lifecycle';
import { skipBodySchema } from '../api/skip';
import { answer, apiFetch, apiToken } from './api-client';
import { EXIT, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson } from './output';
import { exiting } from './run';
import { zodValue } from './validate';

interface SkipOptions {
  app: string;
  reason: string;
  by: string;
  json?: boolean;
}

async function skip(employeeId: string, options: SkipOptions): Promise<ExitCode> {
  const response = await apiFetch(`/v1/identities/${encodeURIComponent(employeeId)}/skip`, {
    method: 'POST',
    // Skipping is an operator's act: the API token, never a personal one.
    headers: { ...apiToken(), 'content-type': 'application/json' },
    body: JSON.stringify({ appId: options.app, reason: options.reason, by: options.by }),
  });
  const decision = await answer<SkipDecision>(response, 'skip');
  if (options.json) {
    printJson(decision);
    return EXIT.done;
  }
  console.log(
    `${employeeId}: ${decision.appId} skipped by ${decision.by} at ${decision.at}. It is never called ` +
      'verified; a follow-up retries it once the leaver has finished the rest.',
  );
  return EXIT.done;
}

export function skipCommand(program: Command): void {
  const shape = skipBodySchema.shape;
  program
    .command('skip')
    .description("set one of a leaver's applications aside with a justification; a follow-up retries it")
    .argument('<employeeId>', "the leaver's employee id", zodValue(employeeIdSchema))
    .requiredOption(
      '--app <applicationId>',
      'the application that cannot be fixed now',
      zodValue(shape.appId),
    )
    .requiredOption(
      '--reason <text>',
      'why: on the evidence record and the certificate',
      zodValue(shape.reason),
    )
    .requiredOption('--by <name>', 'who decides (your name or employee id)', zodValue(shape.by))
    .option('--json', 'print the API answer as JSON')
    .addHelpText(
      'after',
      examples('jml skip E1001 --app crm --reason "CRM is down for migration, ticket OPS-42" --by "J. Ops"'),
    )
    .action(exiting(skip));
}
