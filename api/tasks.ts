// Manual tasks as a front door: what waits for whom (found through the OpenTasks search attribute),
// and attestations sent as the `completeTask` update so a refusal is answered at once.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { employeeIdSchema } from '../domain/hr-event';
import { employeeIdOf, type ManualTask, type TaskCompletion } from '../domain/lifecycle';
import { completeTaskUpdate } from '../workflows/messages';
import { collectFromRunning, updateIdentity, type UpdateOutcome } from './identity-messages';

export const completionBodySchema = z.strictObject({
  by: employeeIdSchema,
  note: z.string().max(1000).optional(),
});

/** Open manual tasks across everyone, optionally only those this person may attest. */
export async function openTasks(client: Client, taskQueue: string, assignee?: string): Promise<ManualTask[]> {
  const open = await collectFromRunning(client, { taskQueue, countAttribute: 'OpenTasks' }, (status) =>
    status.tasks.filter((t) => t.status === 'open' && (!assignee || t.assignees.includes(assignee))),
  );
  return open.sort((a, b) => (a.openedAt < b.openedAt ? -1 : 1));
}

export function completeTask(client: Client, completion: TaskCompletion): Promise<UpdateOutcome<ManualTask>> {
  return updateIdentity(
    client,
    employeeIdOf('task', completion.taskId),
    completeTaskUpdate,
    completion,
    `no manual task ${completion.taskId}`,
  );
}
