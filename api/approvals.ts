// Approvals as a front door: what waits for whom (found through the PendingApprovals search
// attribute), and decisions sent as the `decide` update so a refusal is answered at once.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { employeeIdSchema } from '../domain/hr-event';
import {
  employeeIdOfRequest,
  identityWorkflowId,
  type ApprovalDecision,
  type ApprovalRequest,
} from '../domain/lifecycle';
import { decideUpdate, statusQuery } from '../workflows/messages';

export const decisionBodySchema = z.strictObject({
  approve: z.boolean(),
  approver: employeeIdSchema,
  reason: z.string().max(1000).optional(),
});

/** Pending approval requests across everyone, optionally only those this approver may decide. */
export async function pendingApprovals(client: Client, approver?: string): Promise<ApprovalRequest[]> {
  const pending: ApprovalRequest[] = [];
  const running = client.workflow.list({ query: 'PendingApprovals > 0 AND ExecutionStatus = "Running"' });
  for await (const workflow of running) {
    const status = await client.workflow.getHandle(workflow.workflowId).query(statusQuery);
    for (const request of status.approvals) {
      if (request.status === 'pending' && (!approver || request.approvers.includes(approver)))
        pending.push(request);
    }
  }
  return pending.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
}

export type DecisionOutcome =
  { ok: true; request: ApprovalRequest } | { ok: false; status: 404 | 409; message: string };

export async function decide(client: Client, decision: ApprovalDecision): Promise<DecisionOutcome> {
  const employeeId = employeeIdOfRequest(decision.requestId);
  if (!employeeId) return { ok: false, status: 404, message: `no approval request ${decision.requestId}` };
  try {
    const request = await client.workflow
      .getHandle(identityWorkflowId(employeeId))
      .executeUpdate(decideUpdate, { args: [decision] });
    return { ok: true, request };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      return { ok: false, status: 404, message: `no approval request ${decision.requestId}` };
    }
    if (error instanceof WorkflowUpdateFailedError) {
      return {
        ok: false,
        status: 409,
        message: error.cause?.message ?? error.message,
      };
    }
    throw error;
  }
}
