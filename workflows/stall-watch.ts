// Shows a hung application within seconds: while a step runs, calls that have waited longer than
// STALLED_AFTER_MS for an answer are marked `stalled` (NeedsAttention), without waiting for the
// request timeout and the activity's retries to fail first. One timer per wave of calls, not per call.
import { condition } from '@temporalio/workflow';
import { STALLED_AFTER_MS, type Progress } from './progress';
import { summaries } from './summaries';

export async function watchForStalls(progress: Progress, done: () => boolean): Promise<void> {
  while (!done()) {
    await condition(() => done() || progress.calling().length > 0);
    if (done()) return;
    const wave = new Map(progress.calling().map((a) => [a.appId, a.callingSince]));
    const waiting = () => progress.calling().filter((a) => wave.get(a.appId) === a.callingSince);
    const answered = () => done() || waiting().length === 0;
    if (await condition(answered, STALLED_AFTER_MS, { summary: summaries.stallWatch })) continue;
    progress.flagStalled(waiting());
    await condition(() => done() || waiting().length === 0);
  }
}

/** Runs a step with its stalls watched; the watch ends with the step. */
export async function withStallWatch<T>(progress: Progress, step: () => Promise<T>): Promise<T> {
  let finished = false;
  const watch = watchForStalls(progress, () => finished).catch(() => undefined);
  try {
    return await step();
  } finally {
    finished = true;
    await watch;
  }
}
