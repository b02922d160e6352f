// `jml retry`: an operator asks a person's workflow to try its failing applications again now, over
// the HTTP API (the workflow's `retry` signal, as the Temporal UI sends it).
import type { Command } from 'commander';
import { employeeIdSchema } from '../domain/hr-event';
import { retryBodySchema, type RetryAccepted } from '../api/retry';
import { answer, apiFetch, apiToken } from './api-client';
import { EXIT, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson } from './output';
import { exiting } from './run';
import { zodValue } from './validate';

async function retry(
  employeeId: string,
  options: { app?: string; by?: string; json?: boolean },
): Promise<ExitCode> {
  const response = await apiFetch(`/v1/identities/${encodeURIComponent(employeeId)}/retry`, {
    method: 'POST',
    // Retrying is an operator's act: the API token, never a personal one.
    headers: { ...apiToken(), 'content-type': 'application/json' },
    body: JSON.stringify({ appId: options.app, by: options.by }),
  });
  const accepted = await answer<RetryAccepted>(response, 'retry');
  if (options.json) {
    printJson(accepted);
    return EXIT.done;
  }
  const which = accepted.appId ? ` in ${accepted.appId}` : '';
  console.log(
    accepted.retrying.length
      ? `${accepted.employeeId}: trying again now: ${accepted.retrying.join(', ')}`
      : `${accepted.employeeId}: nothing is failing${which}, so there is nothing to retry`,
  );
  return EXIT.done;
}

export function retryCommand(program: Command): void {
  program
    .command('retry')
    .description("try the person's failing applications (or one) again now, not after the backoff")
    .argument('<employeeId>', "the person's employee id", zodValue(employeeIdSchema))
    .option('--app <applicationId>', 'only this application', zodValue(retryBodySchema.shape.appId.unwrap()))
    .option(
      '--by <name>',
      'who asks (your name or employee id), for the evidence record',
      zodValue(retryBodySchema.shape.by.unwrap()),
    )
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', examples('jml retry E1001', 'jml retry E1001 --app crm --by "Jo Operator"'))
    .action(exiting(retry));
}
