// `jml retry`: an operator asks a person's workflow to try its failing applications again now, over
// the HTTP API (the workflow's `retry` signal, as the Temporal UI sends it).
import { employeeIdSchema, describeIssues } from '../domain/hr-event';
import { retryBodySchema, type RetryAccepted } from '../api/retry';
import { answer, apiFetch, parseCommand, required, UsageError } from './api-client';

const USAGE = 'usage: jml retry <employeeId> [--app <applicationId>]';

export async function retryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { app: { type: 'string' } });
  const employeeId = employeeIdSchema.safeParse(positionals[0]);
  if (positionals.length !== 1 || !employeeId.success) throw new UsageError(USAGE);
  const body = retryBodySchema.safeParse({ appId: values.app });
  if (!body.success) {
    throw new UsageError(
      `--app: ${describeIssues(body.error)
        .map((p) => p.message)
        .join('; ')}`,
    );
  }
  const response = await apiFetch(`/v1/identities/${encodeURIComponent(employeeId.data)}/retry`, {
    method: 'POST',
    // Retrying is an operator's act: the API token, never a personal one.
    headers: { authorization: `Bearer ${required('JML_API_TOKEN')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body.data),
  });
  const accepted = await answer<RetryAccepted>(response, 'retry');
  if (!accepted) return 1;
  const which = accepted.appId ? ` in ${accepted.appId}` : '';
  console.log(
    accepted.retrying.length
      ? `${accepted.employeeId}: trying again now: ${accepted.retrying.join(', ')}`
      : `${accepted.employeeId}: nothing is failing${which}, so there is nothing to retry`,
  );
  return 0;
}
