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
  terminationGuardTaskQueue,
  terminationGuardWorkflowId,
  type GuardDecision,
  type TerminationGuardSettings,
} from '../domain/termination-guard';
import type { IdentitySettings } from '../workflows/messages';
import { terminationGuardWorkflow } from '../workflows/termination-guard';
import {
  admitTerminationsUpdate,
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

/** Terminations sent in one update at the most (well inside Temporal's payload limit). */
const MAX_BATCH = 500;

interface Waiting {
  event: HrEvent;
  answer: (answer: AdmitAnswer) => void;
  fail: (error: unknown) => void;
}

/**
 * One guard's admissions from this process: one update in flight at a time, and the terminations that
 * arrive meanwhile sent together in the next. A burst of a thousand terminations is then a handful of
 * updates, where one update each would meet Temporal's limit of updates in flight per workflow.
 */
class Admissions {
  private waiting: Waiting[] = [];
  private sending = false;
  /** The settings of the latest admission: a batch carries them, as each update did alone. */
  private guard?: TerminationGuardSettings;

  constructor(private readonly target: GuardTarget) {}

  admit(event: HrEvent, guard: TerminationGuardSettings): Promise<AdmitAnswer> {
    this.guard = guard;
    return new Promise((answer, fail) => {
      this.waiting.push({ event, answer, fail });
      if (!this.sending) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.waiting.length) {
        const batch = this.waiting.splice(0, MAX_BATCH);
        try {
          const answers = await this.send(batch.map((w) => w.event));
          batch.forEach((w, i) => w.answer(answers[i]!));
        } catch (error) {
          batch.forEach((w) => w.fail(error));
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** One round trip, which starts the guard when none runs (after an idle hour it ends). */
  private send(events: HrEvent[]): Promise<AdmitAnswer[]> {
    const { client, taskQueue, settings } = this.target;
    const input = { settings: this.guard!, identitySettings: settings };
    const start = new WithStartWorkflowOperation(terminationGuardWorkflow, {
      workflowId: terminationGuardWorkflowId(taskQueue),
      taskQueue: terminationGuardTaskQueue(taskQueue),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: 'Mass-termination guard',
      staticDetails:
        'Admits each termination, or holds those beyond guard.maxTerminationsPerHour (or the share of the ' +
        'workforce) until a guard approver decides. Current details list what is held; the guardStatus ' +
        'query shows it as JSON; the guardDecision signal releases or drops it.',
    });
    return client.workflow.executeUpdateWithStart(admitTerminationsUpdate, {
      args: [{ ...input, events }],
      startWorkflowOperation: start,
    });
  }
}

const admissions = new WeakMap<Client, Map<string, Admissions>>();

/**
 * Asks the guard whether a termination goes on now. The guard runs on the service's own task queue;
 * the terminations one process sends it at once travel together (Admissions).
 */
export function admitTermination(
  target: GuardTarget,
  guard: TerminationGuardSettings,
  event: HrEvent,
): Promise<AdmitAnswer> {
  const byQueue = admissions.get(target.client) ?? new Map<string, Admissions>();
  admissions.set(target.client, byQueue);
  const queue = byQueue.get(target.taskQueue) ?? new Admissions(target);
  byQueue.set(target.taskQueue, queue);
  return queue.admit(event, guard);
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
