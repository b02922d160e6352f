// Manual fulfilment for applications without an API: a task tells the fulfillers what to do, and the
// step waits until someone allowed attests it is done. An overdue task is escalated (and flagged for
// attention) again after each period, never given up: a leaver is not done until it is attested.
import { condition, isCancellation } from '@temporalio/workflow';
import type { AccountRef } from '../domain/app-state';
import {
  describeManualWork,
  type Attestation,
  type ManualFulfilment,
  type ManualTask,
  type ManualWork,
  type TaskCompletion,
} from '../domain/lifecycle';
import { activities } from './activities-proxy';
import { summaries } from './summaries';
import { AwaitedByPeople, type Settlement } from './awaited-by-people';
import { OpenTasksKey } from './messages';
import type { Progress } from './progress';
import { describeFailure } from './until-verified';

/** How an overdue task's problem begins: the flag it raises is recorded as `task-overdue`. */
export const OVERDUE = 'overdue: ';

export interface TaskSpec {
  appId: string;
  account: AccountRef;
  source: string;
  work: ManualWork;
  fulfilment: ManualFulfilment;
  /** Row in the progress table. */
  progressKey: string;
}

export class ManualTasks extends AwaitedByPeople<ManualTask, TaskCompletion> {
  protected readonly noun = 'manual task';
  protected readonly selfRefusal = 'nobody may attest work on their own access';

  constructor(employeeId: string, employment: string, sequence: number, onChange: () => void) {
    super(employeeId, employment, sequence, 'task', OpenTasksKey, onChange);
  }

  protected isWaiting(task: ManualTask): boolean {
    return task.status === 'open';
  }

  protected settlementOf(completion: TaskCompletion): Settlement {
    return { id: completion.taskId, actor: completion.by };
  }

  protected whoMayNot(task: ManualTask, completion: TaskCompletion): string | undefined {
    if (task.assignees.includes(completion.by)) return undefined;
    return `${completion.by} may not attest task ${completion.taskId}: it is assigned to ${task.assignees.join(', ')}`;
  }

  protected recordRefusal(task: ManualTask, completion: TaskCompletion, why: string): void {
    task.rejectedCompletions.push({ by: completion.by, at: new Date().toISOString(), why });
  }

  protected apply(task: ManualTask, completion: TaskCompletion): void {
    Object.assign(task, {
      status: 'done',
      completedBy: completion.by,
      completedAt: new Date().toISOString(),
      completedVia: completion.via ?? 'temporal',
      note: completion.note,
    });
  }

  /**
   * Entitlements that tasks asked someone to grant in this application and that were withdrawn before
   * anyone attested them (the step was cancelled, e.g. by a termination): the work may have been done.
   */
  unattestedGrants(appId: string): string[] {
    const withdrawn = this.list().filter((t) => t.appId === appId && t.status === 'withdrawn');
    return [...new Set(withdrawn.flatMap((t) => t.grant))].sort();
  }

  /** Opens a task and waits until it is attested; escalates each time it is overdue. */
  async fulfil(progress: Progress, maxRetryIntervalMs: number, spec: TaskSpec): Promise<Attestation> {
    const { fulfilment } = spec;
    const task: ManualTask = {
      taskId: this.nextId(),
      employeeId: this.employeeId,
      source: spec.source,
      appId: spec.appId,
      ...spec.work,
      instructions: describeManualWork(spec.work),
      status: 'open',
      assignees: [...fulfilment.fulfillers],
      openedAt: new Date().toISOString(),
      deadline: new Date(Date.now() + fulfilment.taskTimeoutMs).toISOString(),
      escalations: 0,
      rejectedCompletions: [],
    };
    this.items.set(task.taskId, task);
    this.sync();
    const waiting = (status: 'working' | 'failing') =>
      progress.update(spec.progressKey, {
        status,
        lastProblem: `${status === 'failing' ? OVERDUE : ''}task ${task.taskId} waits for ${task.assignees.join(', ')} to ${task.instructions}`,
      });
    try {
      await this.notify(progress, maxRetryIntervalMs, spec, task, 'opened');
      waiting('working');
      const escalate = { summary: summaries.taskEscalation(task.taskId) };
      while (!(await condition(() => task.status !== 'open', fulfilment.taskTimeoutMs, escalate))) {
        task.escalations += 1;
        task.assignees = [...new Set([...task.assignees, ...fulfilment.escalateTo])];
        task.deadline = new Date(Date.now() + fulfilment.taskTimeoutMs).toISOString();
        waiting('failing');
        this.onChange();
        await this.notify(progress, maxRetryIntervalMs, spec, task, 'escalated');
      }
      const at = task.completedAt!;
      progress.update(spec.progressKey, { status: 'verified', verifiedAt: at, lastProblem: undefined });
      return { taskId: task.taskId, by: task.completedBy!, at, note: task.note };
    } catch (error) {
      if (isCancellation(error) && task.status === 'open') {
        Object.assign(task, { status: 'withdrawn', note: 'withdrawn: the step was cancelled' });
      }
      throw error;
    } finally {
      this.sync();
    }
  }

  /**
   * The fulfillers must hear of the task: delivery is retried until it succeeds (flagged meanwhile)
   * or someone attests the task anyway, having heard of it another way (the log line).
   */
  private async notify(
    progress: Progress,
    maxRetryIntervalMs: number,
    spec: TaskSpec,
    task: ManualTask,
    kind: 'opened' | 'escalated',
  ): Promise<void> {
    for (let attempt = 1; task.status === 'open'; attempt++) {
      try {
        await activities.sendManualTask.executeWithOptions(
          { summary: summaries.sendTask(task.appId, task.taskId, kind) },
          [
            {
              kind,
              taskId: task.taskId,
              appId: task.appId,
              employeeId: task.employeeId,
              userName: spec.account.userName,
              grant: task.grant,
              revoke: task.revoke,
              deprovision: task.deprovision,
              instructions: task.instructions,
              assignees: task.assignees,
              deadline: task.deadline,
              complete: `send the taskDone signal {"taskId": "${task.taskId}", "by": "<your employee id>"} to workflow identity-${task.employeeId}`,
            },
          ],
        );
        return;
      } catch (error) {
        if (isCancellation(error)) throw error;
        progress.update(spec.progressKey, {
          status: 'failing',
          attempts: attempt,
          lastProblem: `task ${task.taskId} could not be sent: ${describeFailure(error)}`,
        });
        const backoff = Math.min(1000 * 2 ** (attempt - 1), maxRetryIntervalMs);
        await condition(() => task.status !== 'open', backoff, {
          summary: summaries.taskResend(task.taskId, attempt),
        });
      }
    }
  }
}
