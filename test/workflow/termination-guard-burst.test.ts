// A burst of terminations at one intake reaches the mass-termination guard as a handful of updates,
// not one each: Temporal takes only a few updates in flight per workflow, and a thousand leavers at
// once must not be refused at the door. Real Temporal dev server and scim2-server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { submitHrEvent } from '../../api/intake';
import { terminationGuardWorkflowId, type TerminationGuardSettings } from '../../domain/termination-guard';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { crmConfig } from '../support/config';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';

const TOKEN = 'guard-burst-token';
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const BURST = 100;
const guard: TerminationGuardSettings = { maxTerminationsPerHour: BURST, approvers: ['G0001'] };

let crm: ScimServer;
let worker: TestWorker;

before(async () => {
  crm = await startScimServer({ token: TOKEN });
  await createScimGroups(crm, ['crm-users']);
  const loaded = crmConfig({ baseUrl: crm.baseUrl, token: TOKEN, group: 'crm-users' });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await crm?.stop();
});

void test(`${BURST} terminations sent at once are each admitted, through a handful of updates to the guard`, async () => {
  const intake = { client: worker.client, taskQueue: worker.taskQueue, settings, guard };
  const people = Array.from({ length: BURST }, () => employee());
  // All sent in the same turn of the event loop, as a burst of webhooks reaches one process.
  const results = await Promise.all(people.map((p) => submitHrEvent(intake, hrEvent('terminate', p))));
  assert.deepEqual(
    results.map((r) => r.status),
    people.map(() => 'accepted'),
    'every termination admitted and handed on',
  );
  const guardRun = worker.client.workflow.getHandle(terminationGuardWorkflowId(worker.taskQueue));
  const history = await guardRun.fetchHistory();
  const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  assert.ok(
    updates.length >= 2 && updates.length <= 3,
    `the first alone, the rest together (at most 500 per update): ${updates.length} updates`,
  );
});
