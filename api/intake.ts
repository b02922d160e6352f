// Turns a validated HR event into a signal on the person's workflow, starting it if needed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HrEvent } from '../domain/hr-event';
import type { TerminationGuardSettings } from '../domain/termination-guard';
import {
  identityWorkflowId,
  isStale,
  type EmploymentMemory,
  type IdentityResult,
  type IdentityStatus,
} from '../domain/lifecycle';
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
import { admitTermination } from './termination-guard';

export interface IntakeOptions {
  client: Client;
  taskQueue: string;
  settings: IdentitySettings;
  /**
   * The mass-termination guard every termination is admitted by (domain/config.ts `guard`); absent:
   * no guard (configured off).
   */
  guard?: TerminationGuardSettings;
  /**
   * The person's employment memory as the evidence store keeps it (evidence/employment-memory.ts).
   * With it a hire or rehire costs one call to Temporal, and a person without an open run is judged
   * from the store; without it, from their last run's result in Temporal.
   */
  employmentMemory?: (employeeId: string) => Promise<EmploymentMemory>;
}

export interface IntakeResult {
  workflowId: string;
  /**
   * `accepted`: handed to the person's workflow, which processes it once. `duplicate`: the person's
   * recorded employments (their finished runs) already processed this eventId. `stale`: it predates
   * their last termination (an old event re-sent), so nothing was started. `held`: a termination the mass-termination guard holds
   * until its approvers decide; nothing of the person's access is touched meanwhile.
   */
  status: 'accepted' | 'duplicate' | 'stale' | 'held';
}

/**
 * Hands an event on: a termination first to the mass-termination guard (one update), which admits it
 * or holds it; every other event, and every admitted termination, to the person's workflow.
 */
export async function submitHrEvent(options: IntakeOptions, event: HrEvent): Promise<IntakeResult> {
  if (event.type === 'terminate' && options.guard) {
    const { outcome } = await admitTermination(options, options.guard, event);
    if (outcome === 'held') return { workflowId: identityWorkflowId(event.employee.id), status: 'held' };
  }
  return deliverHrEvent(options, event);
}

/**
 * Hands an event to the person's workflow. A running workflow decides itself whether the event is new
 * (a signal to a run that is finishing is delivered to that run before it may close). Only when no run
 * is open is a new one started, and it carries the person's employment memory (processed event ids,
 * last termination), so an old event re-sent after a leaver can never re-hire the person.
 *
 * A change or termination usually finds the person's run open: one signal. A hire or rehire usually
 * finds none: with the evidence store's memory it is judged at once and handed on by one
 * signal-with-start, which signals a run that is open after all.
 */
export async function deliverHrEvent(options: IntakeOptions, event: HrEvent): Promise<IntakeResult> {
  const { client, employmentMemory } = options;
  const workflowId = identityWorkflowId(event.employee.id);
  if (employmentMemory && (event.type === 'hire' || event.type === 'rehire')) {
    return startOrSignal(options, event, await employmentMemory(event.employee.id));
  }
  try {
    await client.workflow.getHandle(workflowId).signal(hrEventSignal, event);
    return { workflowId, status: 'accepted' };
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const previous = employmentMemory
    ? await employmentMemory(event.employee.id)
    : await finishedRun(client, workflowId);
  return startOrSignal(options, event, previous);
}

/**
 * Refuses an event the memory shows processed or stale; otherwise signals the person's open run, or
 * starts one that carries the memory. A run that is open has all of that memory and more, so what the
 * memory refuses it would refuse too.
 */
async function startOrSignal(
  { client, taskQueue, settings }: IntakeOptions,
  event: HrEvent,
  previous: EmploymentMemory | undefined,
): Promise<IntakeResult> {
  const workflowId = identityWorkflowId(event.employee.id);
  if (previous?.processedEventIds.includes(event.eventId)) return { workflowId, status: 'duplicate' };
  if (previous && isStale(event, previous)) return { workflowId, status: 'stale' };
  // Another sender may start the run in between: then this signals it, and that run carries the same
  // memory.
  await client.workflow.signalWithStart(identityWorkflow, {
    workflowId,
    taskQueue,
    args: [{ employeeId: event.employee.id, settings, previous }],
    signal: hrEventSignal,
    signalArgs: [event],
    // Ids only, like the search attributes: the summary carries no personal data.
    staticSummary: `Identity lifecycle of employee ${event.employee.id}`,
    staticDetails:
      'Joiner, mover and leaver of one person, one HR event at a time. Current details say what it ' +
      'waits for; the `status` query shows every application step; the `retry`, `decision` and ' +
      '`taskDone` signals steer it.',
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

/** What the person's last finished run remembers, or undefined when there is none (or it is gone). */
async function finishedRun(client: Client, workflowId: string): Promise<EmploymentMemory | undefined> {
  const handle = client.workflow.getHandle<typeof identityWorkflow>(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name !== 'COMPLETED') return undefined;
    const result: IdentityResult = await handle.result();
    return { processedEventIds: result.processedEventIds, lastTerminationAt: result.lastTerminationAt };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
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
