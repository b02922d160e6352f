// How workflows call activities. Each call gets a few quick retries; beyond that the workflow's own
// loop (until-verified.ts) takes over, so it can flag NeedsAttention while an application is down.
import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EvidenceActivities } from '../activities/evidence';

const APPLICATION_CALLS = {
  startToCloseTimeout: '2m',
  // Application calls beat every second: an attempt lost with its worker is retried within seconds.
  heartbeatTimeout: '5s',
  // A cancelled step (a termination) waits until its call has stopped, so the leaver that follows
  // reads what that call did and never runs beside it.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3 },
} satisfies ActivityOptions;

export const activities = proxyActivities<Activities>(APPLICATION_CALLS);

type ApplicationCalls = Pick<
  typeof activities,
  'provisionInApp' | 'revokeInApp' | 'deprovisionInApp' | 'readAppState'
>;
const callsByQueue = new Map<string, ApplicationCalls>();

/**
 * The calls to one application: on its own task queue when it declares limits (domain/application-queues.ts),
 * where Temporal dispatches them within its rate to whichever worker polls; otherwise on the workflow's.
 */
export function applicationCalls(appQueues: Record<string, string>, appId: string): ApplicationCalls {
  const taskQueue = appQueues[appId];
  if (!taskQueue) return activities;
  let calls = callsByQueue.get(taskQueue);
  if (!calls) {
    calls = proxyActivities<Activities>({ ...APPLICATION_CALLS, taskQueue });
    callsByQueue.set(taskQueue, calls);
  }
  return calls;
}

/**
 * Evidence is written until it is written: a store that cannot be reached is tried again without end
 * (the step waits, visibly pending in the UI); an invalid record fails at once, since no retry mends it.
 */
export const evidence = proxyActivities<EvidenceActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
