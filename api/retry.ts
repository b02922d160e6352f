// An operator's retry as a front door: the person's workflow is sent its `retry` signal (as from the
// Temporal UI), so failing applications are tried again now instead of after the next backoff. The
// answer says which applications that is, from the workflow's own status.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { appIdSchema } from '../domain/app-id';
import { identityWorkflowId, type IdentityStatus } from '../domain/lifecycle';
import { retrySignal, statusQuery } from '../workflows/messages';
import type { UpdateOutcome } from './identity-messages';

export const retryBodySchema = z.strictObject({
  // Application ids as the configuration spells them (domain/config.ts).
  appId: appIdSchema.optional(),
  by: z.string().trim().min(1).max(128).optional().describe('who asks, for the evidence record'),
});
export type RetryRequest = z.infer<typeof retryBodySchema>;

export interface RetryAccepted {
  workflowId: string;
  employeeId: string;
  appId?: string;
  /** The applications failing when the signal was sent: they are tried again now. Empty: nothing was failing. */
  retrying: string[];
}

export async function retryApplications(
  client: Client,
  employeeId: string,
  { appId, by }: RetryRequest,
): Promise<UpdateOutcome<RetryAccepted>> {
  const workflowId = identityWorkflowId(employeeId);
  const handle = client.workflow.getHandle(workflowId);
  const notRunning = {
    ok: false,
    status: 404,
    message: `no running identity workflow for ${employeeId}`,
  } as const;
  let status: IdentityStatus;
  try {
    status = await handle.query(statusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return notRunning;
    throw error;
  }
  if (appId && !status.apps.some((a) => a.appId === appId)) {
    return {
      ok: false,
      status: 404,
      message: `${employeeId}'s workflow has no step in application "${appId}"`,
    };
  }
  try {
    await handle.signal(retrySignal, { ...(appId ? { appId } : {}), ...(by ? { by } : {}), via: 'api' });
  } catch (error) {
    // A finished workflow still answers queries, but takes no signal.
    if (error instanceof WorkflowNotFoundError) return notRunning;
    throw error;
  }
  const retrying = status.apps
    .filter((a) => a.status === 'failing' && (!appId || a.appId === appId))
    .map((a) => a.appId);
  return { ok: true, result: { workflowId, employeeId, ...(appId && { appId }), retrying } };
}
