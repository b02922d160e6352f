// The mass-termination guard as the front doors see it: each termination admitted or held by one
// Update-with-Start on the guard workflow, its status, and approvers' decisions as an update.
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { HrEvent } from '../domain/hr-event';
import {
  terminationGuardWorkflowId,
  type GuardDecision,
  type TerminationGuardSettings,
} from '../domain/termination-guard';
import type { IdentitySettings } from '../workflows/messages';
import { terminationGuardWorkflow } from '../workflows/termination-guard';
import {
  admitTerminationUpdate,
  decideHeldUpdate,
  guardStatusQuery,
  type AdmitAnswer,
  type GuardDecisionRecord,
  type GuardStatus,
} from '../workflows/termination-guard-messages';
import type { UpdateOutcome } from './identity-messages';

interface GuardTarget {
  client: Client;
  taskQueue: string;
  settings: IdentitySettings;
}

/**
 * Asks the guard whether a termination goes on now: one round trip, which starts the guard when none
 * runs (after an idle hour it ends). The guard runs on the service's own task queue.
 */
export async function admitTermination(
  { client, taskQueue, settings }: GuardTarget,
  guard: TerminationGuardSettings,
  event: HrEvent,
): Promise<AdmitAnswer> {
  const input = { settings: guard, identitySettings: settings };
  const start = new WithStartWorkflowOperation(terminationGuardWorkflow, {
    workflowId: terminationGuardWorkflowId(taskQueue),
    taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: 'Mass-termination guard',
    staticDetails:
      'Admits each termination, or holds those beyond guard.maxTerminationsPerHour (or the share of the ' +
      'workforce) until a guard approver decides. Current details list what is held; the guardStatus ' +
      'query shows it as JSON; the guardDecision signal releases or drops it.',
  });
  return client.workflow.executeUpdateWithStart(admitTerminationUpdate, {
    args: [{ ...input, event }],
    startWorkflowOperation: start,
  });
}

/** What the guard holds now, or undefined when no guard runs (nothing held, nothing in the last hour). */
export async function guardStatus(client: Client, taskQueue: string): Promise<GuardStatus | undefined> {
  const handle = client.workflow.getHandle(terminationGuardWorkflowId(taskQueue));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return undefined;
    return await handle.query(guardStatusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** An approver's decision; refused at once (409) when it may not be carried out, 404 when no guard runs. */
export async function decideHeld(
  client: Client,
  taskQueue: string,
  guard: TerminationGuardSettings | undefined,
  decision: GuardDecision,
): Promise<UpdateOutcome<GuardDecisionRecord & { held: number }>> {
  const notFound = 'no termination is held: the mass-termination guard is not running';
  const handle = client.workflow.getHandle(terminationGuardWorkflowId(taskQueue));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return { ok: false, status: 404, message: notFound };
    const result = await handle.executeUpdate(decideHeldUpdate, {
      args: [{ ...decision, ...(guard ? { settings: guard } : {}) }],
    });
    return { ok: true, result };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { ok: false, status: 404, message: notFound };
    if (error instanceof WorkflowUpdateFailedError) {
      return { ok: false, status: 409, message: error.cause?.message ?? error.message };
    }
    throw error;
  }
}
