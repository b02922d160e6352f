// The state of everyone's lifecycle as Temporal's visibility store knows it from the search
// attributes the identity workflows keep (workflows/messages.ts): counts and sums over the running
// workflows of this service's task queue, without asking any workflow (no worker is involved).
import type { Client } from '@temporalio/client';
import { OpenTasksKey, PendingApprovalsKey } from '../workflows/messages';

/** The stages of a running workflow; a finished leaver (`left`) is a closed workflow, not counted. */
export const RUNNING_STAGES = ['pending', 'joining', 'active', 'moving', 'leaving'] as const;
export type RunningStage = (typeof RUNNING_STAGES)[number];

export interface LifecycleState {
  /** People per lifecycle stage. */
  people: Record<RunningStage, number>;
  /** People whose workflow has NeedsAttention set. */
  needsAttention: number;
  /** Approval requests waiting for a decision (the sum of PendingApprovals). */
  approvalsWaiting: number;
  /** Manual tasks waiting for someone to attest them (the sum of OpenTasks). */
  tasksOpen: number;
  /**
   * People with an open manual task whose workflow needs attention. An overdue task flags its
   * application, so everyone with an overdue task is counted; so is someone whose task is on time
   * while another application of theirs is flagged.
   */
  tasksOverdue: number;
}

/** The figures, read with count queries and two listings of only the workflows that wait on people. */
export async function readLifecycleState(client: Client, taskQueue: string): Promise<LifecycleState> {
  const running = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`;
  const count = async (condition: string) =>
    (await client.workflow.count(`${running} AND ${condition}`)).count;
  const [stages, needsAttention, tasksOverdue, approvalsWaiting, tasksOpen] = await allSettled([
    Promise.all(RUNNING_STAGES.map((stage) => count(`LifecycleStage = "${stage}"`))),
    count('NeedsAttention = true'),
    count('OpenTasks > 0 AND NeedsAttention = true'),
    sumOf(client, running, PendingApprovalsKey),
    sumOf(client, running, OpenTasksKey),
  ] as const);
  const people = Object.fromEntries(RUNNING_STAGES.map((stage, i) => [stage, stages[i]!])) as Record<
    RunningStage,
    number
  >;
  return { people, needsAttention, approvalsWaiting, tasksOpen, tasksOverdue };
}

/**
 * Every call's outcome before the first failure is thrown, so that no call of a failed reading is
 * still under way (the client retrying it) when the next reading starts.
 */
async function allSettled<T extends readonly Promise<unknown>[]>(
  calls: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** The sum of an Int search attribute over the running workflows where it is above zero. */
async function sumOf(
  client: Client,
  running: string,
  // Both are Int search attributes: one key type.
  key: typeof PendingApprovalsKey,
): Promise<number> {
  let sum = 0;
  const listed = client.workflow.list({ query: `${running} AND ${key.name} > 0`, pageSize: 1000 });
  for await (const workflow of listed) sum += workflow.typedSearchAttributes.get(key) ?? 0;
  return sum;
}
