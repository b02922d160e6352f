// How workflows call activities. Each call gets a few quick retries; beyond that the workflow's own
// loop (until-verified.ts) takes over, so it can flag NeedsAttention while an application is down.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EvidenceActivities } from '../activities/evidence';

export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  // Application calls beat every second: an attempt lost with its worker is retried within seconds.
  heartbeatTimeout: '5s',
  // A cancelled step (a termination) waits until its call has stopped, so the leaver that follows
  // reads what that call did and never runs beside it.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3 },
});

/**
 * Evidence is written until it is written: a store that cannot be reached is tried again without end
 * (the step waits, visibly pending in the UI); an invalid record fails at once, since no retry mends it.
 */
export const evidence = proxyActivities<EvidenceActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});
