// `jml approvals` and `jml approve|deny`: the approver's side of the approval gate, over the HTTP API.
import type { Command } from 'commander';
import type { ApprovalRequest } from '../domain/lifecycle';
import { answer, apiFetch, bearer, personalTokenHolder } from './api-client';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import { examples } from './help-text';
import { printJson, table } from './output';
import { exiting } from './run';

export function approvalsTable(approvals: ApprovalRequest[]): string {
  if (approvals.length === 0) return 'nothing waits for approval';
  return table(
    ['REQUEST', 'EMPLOYEE', 'APP', 'ENTITLEMENT', 'RISK', 'WAITS FOR', 'APPROVERS', 'UNTIL'],
    approvals.map((r) => [
      r.requestId,
      r.employeeId,
      r.appId,
      r.entitlement,
      r.risk,
      r.stepLabel,
      r.approvers.join(', '),
      r.stepDeadline ?? '',
    ]),
  );
}

async function listApprovals(options: { approver?: string; json?: boolean }): Promise<ExitCode> {
  const query = options.approver ? `?approver=${encodeURIComponent(options.approver)}` : '';
  const response = await apiFetch(`/v1/approvals${query}`, { headers: bearer() });
  const body = await answer<{ approvals: ApprovalRequest[] }>(response, 'listing approvals');
  if (options.json) printJson(body);
  else console.log(approvalsTable(body.approvals));
  return EXIT.done;
}

interface DecideOptions {
  as?: string;
  reason?: string;
  json?: boolean;
}

async function decide(approve: boolean, requestId: string, options: DecideOptions): Promise<ExitCode> {
  const approver = options.as ?? personalTokenHolder();
  if (!approver) throw new UsageError('--as <approverId> is needed without a personal token');
  const response = await apiFetch(`/v1/approvals/${encodeURIComponent(requestId)}`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ approve, approver, reason: options.reason }),
  });
  const request = await answer<ApprovalRequest>(response, approve ? 'approve' : 'deny');
  if (options.json) printJson(request);
  else console.log(`${request.requestId}: ${request.status} by ${request.decidedBy}`);
  return EXIT.done;
}

export function approvalCommands(program: Command): void {
  program
    .command('approvals')
    .description('list the approval requests waiting (for one approver)')
    .option('--approver <id>', 'only the requests this approver may decide now')
    .option('--json', 'print the API answer as JSON instead of a table')
    .addHelpText('after', examples('jml approvals', 'jml approvals --approver E0001 --json'))
    .action(exiting(listApprovals));

  for (const approve of [true, false]) {
    const verb = approve ? 'approve' : 'deny';
    program
      .command(verb)
      .description(
        `${verb} a request; an approver who may not decide it is refused at once (exit 1, the API's 409)`,
      )
      .argument('<requestId>', 'the request, as jml approvals lists it')
      .option('--as <approverId>', 'who decides (default: the holder of JML_PERSONAL_TOKEN)')
      .option('--reason <text>', 'why, kept with the decision')
      .option('--json', 'print the decided request as JSON')
      .addHelpText('after', examples(`jml ${verb} apr-1a2b3c4d-1-E1002 --as E0001 --reason "quarter close"`))
      .action(exiting((requestId: string, options: DecideOptions) => decide(approve, requestId, options)));
  }
}
