// How many jml processes serve each limited application, so that each takes its part of the
// application's limits (connectors/request-limiter.ts): the distinct workers polling the application's
// task queue, as Temporal saw them lately. A worker that died is still counted until it has not
// polled for POLLED_WITHIN_MS, so for a while the others stay below the limit, never above it.
import type { NativeConnection } from '@temporalio/worker';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { Logger } from '../common/logger';
import type { RequestLimiter } from '../connectors/request-limiter';

/** TaskQueueType TASK_QUEUE_TYPE_ACTIVITY. */
const ACTIVITY_TASK_QUEUE = 2;
/** A poll lasts up to a minute when there is nothing to do: a worker seen within this is alive. */
const POLLED_WITHIN_MS = 75_000;
/** How often the count is taken again (a new worker is given its part within this). */
export const SHARES_EVERY_MS = 5_000;

export interface LimitedQueue {
  taskQueue: string;
  limiter: RequestLimiter;
}

/** Counts the workers of each queue now and every SHARES_EVERY_MS until stopped. */
export function watchLimitShares(options: {
  connection: NativeConnection;
  namespace: string;
  queues: LimitedQueue[];
  logger?: Pick<Logger, 'warn'>;
}): { stop(): void } {
  if (!options.queues.length) return { stop: () => undefined };
  const count = async () => {
    await Promise.all(
      options.queues.map(async ({ taskQueue, limiter }) => {
        try {
          const { pollers } = await options.connection.workflowService.describeTaskQueue({
            namespace: options.namespace,
            taskQueue: { name: taskQueue },
            taskQueueType: ACTIVITY_TASK_QUEUE,
          });
          limiter.share(workersIn(pollers ?? [], Date.now()));
        } catch (error) {
          // The last count stands until Temporal answers again.
          options.logger?.warn(
            { taskQueue, err: error },
            'could not count the workers sharing an application',
          );
        }
      }),
    );
  };
  void count();
  const timer = setInterval(() => void count(), SHARES_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Distinct worker identities that polled within POLLED_WITHIN_MS of `now`; at least this one. */
export function workersIn(
  pollers: Array<{ identity?: string | null; lastAccessTime?: Parameters<typeof optionalTsToMs>[0] }>,
  now: number,
): number {
  const alive = new Set<string>();
  for (const poller of pollers) {
    const seen = optionalTsToMs(poller.lastAccessTime);
    if (poller.identity && seen !== undefined && now - seen <= POLLED_WITHIN_MS) alive.add(poller.identity);
  }
  return Math.max(1, alive.size);
}
