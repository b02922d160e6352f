// Temporal actions a step costs, counted from its workflow's history the way Temporal Cloud bills
// them: the signal that started the step, each activity scheduled, each timer, each search-attribute
// or memo change, and local activities once per workflow task that ran any.
import type { WorkflowHandle } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export interface ActionCount {
  total: number;
  activities: number;
  localActivityTasks: number;
  timers: number;
  signals: number;
  upserts: number;
}

/** Actions from the last signal (the HR event that started the step) to the end of the history. */
export async function actionsSinceLastSignal(handle: WorkflowHandle): Promise<ActionCount> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const signals = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes ? [i] : []));
  const step = events.slice(signals.at(-1) ?? 0);
  const count = (has: (e: HistoryEvent) => unknown) => step.filter((e) => has(e)).length;
  // A workflow task's commands (markers among them) are recorded right after its WorkflowTaskCompleted.
  let localActivityTasks = 0;
  let counted = false;
  for (const e of step) {
    if (e.workflowTaskCompletedEventAttributes) counted = false;
    if (e.markerRecordedEventAttributes && !counted) {
      localActivityTasks += 1;
      counted = true;
    }
  }
  const tally = {
    activities: count((e) => e.activityTaskScheduledEventAttributes),
    localActivityTasks,
    timers: count((e) => e.timerStartedEventAttributes),
    signals: count((e) => e.workflowExecutionSignaledEventAttributes),
    upserts: count(
      (e) => e.upsertWorkflowSearchAttributesEventAttributes ?? e.workflowPropertiesModifiedEventAttributes,
    ),
  };
  return { ...tally, total: Object.values(tally).reduce((a, b) => a + b, 0) };
}
