// What approvals and manual tasks have in common as front doors: finding what waits across running
// identity workflows (through a search attribute), and sending one person's workflow an update
// whose validator answers a refusal at once.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { identityWorkflowId, type IdentityStatus } from '../domain/lifecycle';
import { statusQuery } from '../workflows/messages';

/**
 * Collects items from the status of every running identity workflow on this service's task queue
 * that the visibility query matches (workflows of another deployment in the namespace are theirs).
 */
export async function collectFromRunning<T>(
  client: Client,
  { taskQueue, countAttribute }: { taskQueue: string; countAttribute: 'PendingApprovals' | 'OpenTasks' },
  pick: (status: IdentityStatus) => T[],
): Promise<T[]> {
  const items: T[] = [];
  const query = `TaskQueue = "${taskQueue}" AND ${countAttribute} > 0 AND ExecutionStatus = "Running"`;
  const running = client.workflow.list({ query });
  for await (const workflow of running) {
    items.push(...pick(await client.workflow.getHandle(workflow.workflowId).query(statusQuery)));
  }
  return items;
}

export type UpdateOutcome<R> = { ok: true; result: R } | { ok: false; status: 404 | 409; message: string };

/** Sends the update to the person's workflow; a missing workflow is 404, a refusal 409 with the reason. */
export async function updateIdentity<R, A>(
  client: Client,
  employeeId: string | undefined,
  update: UpdateDefinition<R, [A]>,
  arg: A,
  notFound: string,
): Promise<UpdateOutcome<R>> {
  if (!employeeId) return { ok: false, status: 404, message: notFound };
  try {
    const result = await client.workflow
      .getHandle(identityWorkflowId(employeeId))
      .executeUpdate(update, { args: [arg] });
    return { ok: true, result };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { ok: false, status: 404, message: notFound };
    if (error instanceof WorkflowUpdateFailedError) {
      return { ok: false, status: 409, message: error.cause?.message ?? error.message };
    }
    throw error;
  }
}
