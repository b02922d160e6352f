// Approvals as a front door: what waits for whom (found through the PendingApprovals search
// attribute), and decisions sent as the `decide` update so a refusal is answered at once.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { employeeIdSchema } from '../domain/hr-event';
import { employeeIdOf, type ApprovalDecision, type ApprovalRequest } from '../domain/lifecycle';
import { decideUpdate } from '../workflows/messages';
import { collectFromRunning, updateIdentity, type UpdateOutcome } from './identity-messages';

export const decisionBodySchema = z.strictObject({
  approve: z.boolean(),
  approver: employeeIdSchema,
  reason: z.string().max(1000).optional(),
});

/** Pending approval requests across everyone, optionally only those this approver may decide. */
export async function pendingApprovals(
  client: Client,
  taskQueue: string,
  approver?: string,
): Promise<ApprovalRequest[]> {
  const pending = await collectFromRunning(
    client,
    { taskQueue, countAttribute: 'PendingApprovals' },
    (status) =>
      status.approvals.filter((r) => r.status === 'pending' && (!approver || r.approvers.includes(approver))),
  );
  return pending.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
}

export function decide(client: Client, decision: ApprovalDecision): Promise<UpdateOutcome<ApprovalRequest>> {
  return updateIdentity(
    client,
    employeeIdOf('apr', decision.requestId),
    decideUpdate,
    decision,
    `no approval request ${decision.requestId}`,
  );
}
