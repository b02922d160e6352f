// Readiness: Temporal answers (a cheap call under a short deadline), and a worker polls jml's task
// queue, so an event accepted now will be worked on.
import type { Client } from '@temporalio/client';

// temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
const WORKFLOW_TASK_QUEUE = 1;

export interface Readiness {
  ready: boolean;
  temporal: 'reachable' | 'unreachable';
  /** Workers Temporal has seen polling the task queue recently (any process). */
  pollers: number;
  /** This process's own worker, where the service runs one. */
  worker?: 'running' | 'stopped';
  problem?: string;
}

export async function checkReadiness(
  client: Client,
  {
    namespace,
    taskQueue,
    deadlineMs,
    workerRunning,
  }: {
    namespace: string;
    taskQueue: string;
    deadlineMs: number;
    workerRunning?: () => boolean;
  },
): Promise<Readiness> {
  const worker = workerRunning && (workerRunning() ? 'running' : 'stopped');
  try {
    const { pollers } = await client.withDeadline(Date.now() + deadlineMs, async () => {
      await client.workflowService.getSystemInfo({});
      return client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: WORKFLOW_TASK_QUEUE,
      });
    });
    const count = pollers?.length ?? 0;
    const problem =
      worker === 'stopped'
        ? "this process's worker is not running"
        : count === 0
          ? `no worker polls task queue "${taskQueue}"`
          : undefined;
    return {
      ready: !problem,
      temporal: 'reachable',
      pollers: count,
      ...(worker && { worker }),
      ...(problem && { problem }),
    };
  } catch (error) {
    return {
      ready: false,
      temporal: 'unreachable',
      pollers: 0,
      ...(worker && { worker }),
      problem: `Temporal did not answer within ${deadlineMs} ms: ${(error as Error).message}`,
    };
  }
}
