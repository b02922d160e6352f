// `jml approvals` and `jml approve|deny`: the approver's side of the approval gate, over the HTTP API.
import type { ApprovalRequest } from '../domain/lifecycle';
import { answer, apiFetch, bearer, parseCommand, personalTokenHolder, UsageError } from './api-client';

export function describeRequest(r: ApprovalRequest): string {
  return (
    `${r.requestId}  ${r.employeeId} → ${r.appId}: ${r.entitlement} (${r.risk})  ` +
    `waits for ${r.stepLabel}: ${r.approvers.join(', ')}${r.stepDeadline ? `  until ${r.stepDeadline}` : ''}`
  );
}

export async function listApprovals(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { approver: { type: 'string' } });
  if (positionals.length) throw new UsageError('jml approvals takes no arguments but --approver <id>');
  const query = values.approver ? `?approver=${encodeURIComponent(values.approver)}` : '';
  const response = await apiFetch(`/v1/approvals${query}`, { headers: bearer() });
  const body = await answer<{ approvals: ApprovalRequest[] }>(response, 'listing approvals');
  if (!body) return 1;
  if (body.approvals.length === 0) console.log('nothing waits for approval');
  for (const request of body.approvals) console.log(describeRequest(request));
  return 0;
}

export async function decideCommand(approve: boolean, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { as: { type: 'string' }, reason: { type: 'string' } });
  const verb = approve ? 'approve' : 'deny';
  const approver = values.as ?? personalTokenHolder();
  if (positionals.length !== 1 || !approver)
    throw new UsageError(`usage: jml ${verb} <requestId> --as <approverId> [--reason <text>]`);
  const response = await apiFetch(`/v1/approvals/${encodeURIComponent(positionals[0]!)}`, {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ approve, approver, reason: values.reason }),
  });
  const request = await answer<ApprovalRequest>(response, verb);
  if (!request) return 1;
  console.log(`${request.requestId}: ${request.status} by ${request.decidedBy}`);
  return 0;
}
