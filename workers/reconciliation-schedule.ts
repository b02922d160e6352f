// The reconciliation Schedule, registered when the service or a worker starts: created when missing,
// its interval and action brought in line with the configuration when it exists (an operator's pause
// in the Temporal UI is kept), removed when the configuration turns reconciliation off. Operators
// pause, resume and trigger it from the UI's Schedules page.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsAction,
} from '@temporalio/client';
import type { ReconciliationSettings } from '../domain/reconciliation-config';
import { reconciliationWorkflow } from '../workflows/reconciliation';

/** One Schedule per task queue, so two jml deployments on one namespace keep their own. */
export function reconciliationScheduleId(taskQueue: string): string {
  return `reconciliation-${taskQueue}`;
}

export type ScheduleRegistration = 'created' | 'updated' | 'removed' | 'absent';

export async function registerReconciliationSchedule(
  client: Client,
  taskQueue: string,
  settings: Pick<ReconciliationSettings, 'enabled' | 'interval'>,
): Promise<ScheduleRegistration> {
  const scheduleId = reconciliationScheduleId(taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (!settings.enabled) {
    try {
      await handle.delete();
      return 'removed';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'absent';
      throw error;
    }
  }
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: reconciliationWorkflow,
    // Temporal adds each run's scheduled time to this id.
    workflowId: scheduleId,
    taskQueue,
    args: [{ trigger: 'schedule' }],
    staticSummary: 'Reconciliation of every application (scheduled)',
  };
  const spec = { intervals: [{ every: settings.interval }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // One run at a time: a run due while the last is still going is skipped.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      state: { note: 'jml reconciliation: every application listed and checked against HR and jml records' },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await handle.update((previous) => ({ ...previous, spec, action }));
  return 'updated';
}
