// What approvals and manual tasks have in common as front doors: finding what waits across running
// identity workflows (through a search attribute), and sending one person's workflow an update
// whose validator answers a refusal at once.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { identityWorkflowId, type IdentityStatus } from '../domain/lifecycle';
import { statusQuery } from '../workflows/messages';

/** Status queries sent at once when listing what waits across people. */
const QUERIES_AT_ONCE = 16;

/**
 * Collects items from the status of every running identity workflow on this service's task queue
 * that the visibility query matches (workflows of another deployment in the namespace are theirs).
 */
export async function collectFromRunning<T>(
  client: Client,
  { taskQueue, countAttribute }: { taskQueue: string; countAttribute: 'PendingApprovals' | 'OpenTasks' },
  pick: (status: IdentityStatus) => T[],
): Promise<T[]> {
  const query = `TaskQueue = "${taskQueue}" AND ${countAttribute} > 0 AND ExecutionStatus = "Running"`;
  const ids: string[] = [];
  for await (const workflow of client.workflow.list({ query })) ids.push(workflow.workflowId);
  // Only the workflows the search attribute names are asked, several at a time.
  const items: T[] = [];
  for (let i = 0; i < ids.length; i += QUERIES_AT_ONCE) {
    const batch = ids.slice(i, i + QUERIES_AT_ONCE);
    const statuses = await Promise.all(batch.map((id) => client.workflow.getHandle(id).query(statusQuery)));
    statuses.forEach((status) => items.push(...pick(status)));
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
      const notThere = error.cause instanceof ApplicationFailure && error.cause.type === 'NotFound';
      return { ok: false, status: notThere ? 404 : 409, message: error.cause?.message ?? error.message };
    }
    throw error;
  }
}
