// Turns a validated HR event into a signal on the person's workflow, starting it if needed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HrEvent } from '../domain/hr-event';
import { identityWorkflowId, type IdentityResult, type IdentityStatus } from '../domain/lifecycle';
import { identityWorkflow } from '../workflows/identity';
import {
  EmployeeIdKey,
  hrEventSignal,
  LifecycleStageKey,
  NeedsAttentionKey,
  OpenTasksKey,
  PendingApprovalsKey,
  statusQuery,
  type IdentitySettings,
} from '../workflows/messages';

export interface IntakeOptions {
  client: Client;
  taskQueue: string;
  settings: IdentitySettings;
}

export interface IntakeResult {
  workflowId: string;
  /** `duplicate`: a finished run already processed this eventId, so nothing was started. */
  status: 'accepted' | 'duplicate';
}

export async function submitHrEvent(
  { client, taskQueue, settings }: IntakeOptions,
  event: HrEvent,
): Promise<IntakeResult> {
  const workflowId = identityWorkflowId(event.employee.id);
  // A running workflow de-duplicates by itself; a finished one cannot, so ask its result.
  if (await processedByClosedRun(client, workflowId, event.eventId))
    return { workflowId, status: 'duplicate' };
  await client.workflow.signalWithStart(identityWorkflow, {
    workflowId,
    taskQueue,
    args: [{ employeeId: event.employee.id, settings }],
    signal: hrEventSignal,
    signalArgs: [event],
    typedSearchAttributes: [
      { key: EmployeeIdKey, value: event.employee.id },
      { key: LifecycleStageKey, value: 'pending' },
      { key: NeedsAttentionKey, value: false },
      { key: PendingApprovalsKey, value: 0 },
      { key: OpenTasksKey, value: 0 },
    ],
  });
  return { workflowId, status: 'accepted' };
}

async function processedByClosedRun(client: Client, workflowId: string, eventId: string): Promise<boolean> {
  const handle = client.workflow.getHandle<typeof identityWorkflow>(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name !== 'COMPLETED') return false;
    const result: IdentityResult = await handle.result();
    return result.processedEventIds.includes(eventId);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The person's current status, or undefined when jml has never seen them. */
export async function identityStatus(
  client: Client,
  employeeId: string,
): Promise<IdentityStatus | undefined> {
  try {
    return await client.workflow.getHandle(identityWorkflowId(employeeId)).query(statusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
