// What workflow tests do to a person's identity workflow: send an HR event, get its handle, query
// its status. The worker is read when called, since test files start theirs in `before`.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { submitHrEvent } from '../../api/intake';
import type { HrEvent } from '../../domain/hr-event';
import { identityWorkflowId, type IdentityStatus } from '../../domain/lifecycle';
import type { identityWorkflow } from '../../workflows/identity';
import { statusQuery, type IdentitySettings } from '../../workflows/messages';

export function identityClient(
  worker: () => { client: Client; taskQueue: string },
  settings: () => IdentitySettings,
) {
  const handleOf = (employeeId: string): WorkflowHandle<typeof identityWorkflow> =>
    worker().client.workflow.getHandle(identityWorkflowId(employeeId));
  return {
    send: (event: HrEvent) =>
      submitHrEvent({ client: worker().client, taskQueue: worker().taskQueue, settings: settings() }, event),
    handleOf,
    statusOf: (employeeId: string): Promise<IdentityStatus> => handleOf(employeeId).query(statusQuery),
  };
}
