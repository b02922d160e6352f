// `jml approvals` and `jml approve|deny`: the approver's side of the approval gate, over the HTTP API.
import { parseArgs } from 'node:util';
import type { ApprovalRequest } from '../domain/lifecycle';
import { apiFetch, required, UsageError } from './api-client';

const auth = () => ({ authorization: `Bearer ${required('JML_API_TOKEN')}` });

function parse(args: string[], options: Record<string, { type: 'string' }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function describeRequest(r: ApprovalRequest): string {
  return (
    `${r.requestId}  ${r.employeeId} → ${r.appId}: ${r.entitlement} (${r.risk})  ` +
    `waits for ${r.stepLabel}: ${r.approvers.join(', ')}${r.stepDeadline ? `  until ${r.stepDeadline}` : ''}`
  );
}

export async function listApprovals(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { approver: { type: 'string' } });
  if (positionals.length) throw new UsageError('jml approvals takes no arguments but --approver <id>');
  const query = values.approver ? `?approver=${encodeURIComponent(values.approver)}` : '';
  const response = await apiFetch(`/v1/approvals${query}`, { headers: auth() });
  const body = (await response.json()) as { approvals?: ApprovalRequest[] };
  if (!response.ok || !body.approvals) {
    console.error(JSON.stringify(body, null, 2));
    return 1;
  }
  if (body.approvals.length === 0) console.log('nothing waits for approval');
  for (const request of body.approvals) console.log(describeRequest(request));
  return 0;
}

export async function decideCommand(approve: boolean, args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { as: { type: 'string' }, reason: { type: 'string' } });
  const verb = approve ? 'approve' : 'deny';
  if (positionals.length !== 1 || !values.as)
    throw new UsageError(`usage: jml ${verb} <requestId> --as <approverId> [--reason <text>]`);
  const response = await apiFetch(`/v1/approvals/${encodeURIComponent(positionals[0]!)}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ approve, approver: values.as, reason: values.reason }),
  });
  const body = (await response.json()) as ApprovalRequest & { message?: string };
  if (!response.ok) {
    console.error(`jml: ${verb} refused (${response.status}): ${body.message ?? JSON.stringify(body)}`);
    return 1;
  }
  console.log(`${body.requestId}: ${body.status} by ${body.decidedBy}`);
  return 0;
}
