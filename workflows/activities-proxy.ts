// How workflows call activities. Each call gets a few quick retries; beyond that the workflow's own
// loop (until-verified.ts) takes over, so it can flag NeedsAttention while an application is down.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 3 },
});
