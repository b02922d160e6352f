// How workflows call activities. Each call gets a few quick retries; beyond that the workflow's own
// loop (until-verified.ts) takes over, so it can flag NeedsAttention while an application is down.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  // Application calls beat every second: an attempt lost with its worker is retried within seconds.
  heartbeatTimeout: '5s',
  // A cancelled step (a termination) waits until its call has stopped, so the leaver that follows
  // reads what that call did and never runs beside it.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3 },
});
