// The mass-termination guard on a real Temporal dev server, with real activities against a real
// scim2-server application: a batch of 50 terminations with a limit of 10 lets 10 leave and holds 40
// (their accounts untouched, read back from the application) until a guard approver releases them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { submitHrEvent, type IntakeResult } from '../../api/intake';
import { decideHeld, guardStatus } from '../../api/termination-guard';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import type { Employee } from '../../domain/hr-event';
import { terminationGuardWorkflowId, type TerminationGuardSettings } from '../../domain/termination-guard';
import type { EvidenceStore } from '../../evidence/store';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'guard-test-token';
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const APPROVER = 'G0001';
const guard: TerminationGuardSettings = { maxTerminationsPerHour: 10, approvers: [APPROVER] };
const BATCH = 50;
/** Events sent to Temporal at once, like several HR webhooks arriving together. */
const AT_ONCE = 10;

let crm: ScimServer;
let worker: TestWorker;
let crmApp: ScimConnector;
let store: EvidenceStore;

before(async () => {
  crm = await startScimServer({ token: TOKEN });
  await createScimGroups(crm, ['crm-users']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: crm.baseUrl, token: { env: 'TOKEN' }, deprovision: 'disable' },
    ],
    roles: [{ id: 'all', grants: { crm: ['crm-users'] } }],
  });
  crmApp = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  [worker, store] = await Promise.all([startTestWorker(loaded), openTestEvidenceStore()]);
});

after(async () => {
  await worker?.stop();
  await Promise.all([crm?.stop(), store?.close(), crmApp?.close()]);
});

const { send, statusOf } = identityClient(
  () => worker,
  () => settings,
);
const guarded = { client: () => worker.client, taskQueue: () => worker.taskQueue };
const submit = (event: Parameters<typeof send>[0]) =>
  submitHrEvent({ client: guarded.client(), taskQueue: guarded.taskQueue(), settings, guard }, event);

async function inBatches<T, R>(items: T[], each: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += AT_ONCE) {
    results.push(...(await Promise.all(items.slice(i, i + AT_ONCE).map(each))));
  }
  return results;
}

async function stageOf(employeeId: string): Promise<string | undefined> {
  try {
    return (await statusOf(employeeId)).stage;
  } catch {
    // A finished leaver's workflow has closed: its result says "left".
    const handle = worker.client.workflow.getHandle(`identity-${employeeId}`);
    const { status } = await handle.describe();
    return status.name === 'COMPLETED' ? 'left' : undefined;
  }
}

async function hireAll(people: Employee[]): Promise<void> {
  await inBatches(people, (person) => send(hrEvent('hire', person)));
  await inBatches(people, (person) =>
    eventually(`${person.id} to be active`, async () => (await stageOf(person.id)) === 'active', 120_000),
  );
}

/** The kinds and bodies of a person's evidence records, in order. */
async function recordsOf(employeeId: string): Promise<{ kind: string; body: Record<string, unknown> }[]> {
  return (await store.chainOf(employeeId)).map((r) => ({
    kind: r.kind,
    body: r.body as Record<string, unknown>,
  }));
}

function crmStateOf(person: Employee) {
  return crmApp.readState({ employeeId: person.id, userName: person.userName });
}

void test('50 terminations with a limit of 10: 10 leave, 40 are held untouched until a guard approver releases them', async () => {
  const people = Array.from({ length: BATCH }, () => employee());
  const urgent = employee();
  await hireAll([...people, urgent]);

  const answers = await inBatches(people, async (person) => ({
    person,
    answer: await submit(hrEvent('terminate', person)),
  }));
  const byStatus = (status: IntakeResult['status']) =>
    answers.filter((a) => a.answer.status === status).map((a) => a.person);
  const admitted = byStatus('accepted');
  const held = byStatus('held');
  assert.equal(admitted.length, 10, 'the first 10 within the hour are admitted');
  assert.equal(held.length, 40, 'the rest is held');
  for (const { person, answer } of answers) assert.equal(answer.workflowId, `identity-${person.id}`);

  // An urgent termination beyond the limit, while 40 are held, is admitted.
  assert.equal((await submit(hrEvent('terminate', urgent, { urgent: true }))).status, 'accepted');

  await inBatches([...admitted, urgent], (person) =>
    eventually(`${person.id} to have left`, async () => (await stageOf(person.id)) === 'left', 120_000),
  );
  for (const person of [...admitted, urgent]) {
    const { accountId: _, ...state } = await crmStateOf(person);
    assert.deepEqual(state, { exists: true, active: false, entitlements: [], openSessions: null });
  }
  // None of the held people's access was touched: the application still shows it.
  for (const person of held) {
    const { accountId: _, ...state } = await crmStateOf(person);
    assert.deepEqual(state, { exists: true, active: true, entitlements: ['crm-users'], openSessions: null });
    assert.equal(await stageOf(person.id), 'active');
  }

  const status = await guardStatus(worker.client, worker.taskQueue);
  assert.ok(status, 'the guard runs');
  assert.equal(status.workflowId, terminationGuardWorkflowId(worker.taskQueue));
  assert.deepEqual(status.held.map((h) => h.employeeId).sort(), held.map((p) => p.id).sort());
  assert.equal(status.admittedInWindow, 11, 'the urgent termination counts');
  assert.equal(status.limit, 10);
  // The UI's current details say what is held and for whom, by employee id and never by name.
  const { currentDetails = '' } = await worker.client.workflow
    .getHandle(status.workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  assert.match(currentDetails, /\*\*Mass-termination guard\*\*/);
  assert.match(currentDetails, /Holding 40 termination\(s\)\*\* until a guard approver \(G0001\) decides/);
  for (const person of held) assert.ok(currentDetails.includes(person.id), `${person.id} is listed`);
  for (const person of people) {
    assert.ok(!currentDetails.includes(person.familyName) && !currentDetails.includes(person.email));
  }

  // The hold is on record in each held person's evidence, with the approvers asked.
  const holdRecord = (await recordsOf(held[0]!.id)).find((r) => r.kind === 'approval-request');
  assert.ok(holdRecord, 'the hold is recorded');
  assert.equal(holdRecord.body.change, 'opened');
  assert.deepEqual(holdRecord.body.approvers, [APPROVER]);

  // Someone who is not a guard approver is refused at once, with the reason; nothing is released.
  const refused = await decideHeld(worker.client, worker.taskQueue, guard, {
    approve: true,
    approver: 'G0999',
    via: 'API token',
  });
  assert.deepEqual(refused, {
    ok: false,
    status: 409,
    message: "G0999 is not one of the guard's approvers (G0001)",
  });
  assert.equal((await guardStatus(worker.client, worker.taskQueue))?.held.length, 40);

  const released = await decideHeld(worker.client, worker.taskQueue, guard, {
    approve: true,
    approver: APPROVER,
    reason: 'site closure, confirmed with HR',
    via: 'API token',
  });
  assert.ok(released.ok);
  assert.equal(released.result.held, 0);
  assert.deepEqual(released.result.employeeIds.sort(), held.map((p) => p.id).sort());
  assert.equal(released.result.approver, APPROVER);
  assert.equal(released.result.via, 'API token');

  await inBatches(held, (person) =>
    eventually(`${person.id} to have left`, async () => (await stageOf(person.id)) === 'left', 180_000),
  );
  for (const person of held) {
    const { accountId: _, ...state } = await crmStateOf(person);
    assert.deepEqual(state, { exists: true, active: false, entitlements: [], openSessions: null });
  }
  const decision = (await recordsOf(held[0]!.id)).find((r) => r.kind === 'approval-decision');
  assert.ok(decision, 'the decision is recorded');
  assert.equal(decision.body.approver, APPROVER);
  assert.equal(decision.body.via, 'API token');
  assert.equal(decision.body.approve, true);
});

void test('a rejection drops the held termination: the person keeps their access, and the drop is on record', async () => {
  // Terminations until one is held: the hour may already be full from the test before.
  const people = Array.from({ length: guard.maxTerminationsPerHour + 1 }, () => employee());
  await hireAll(people);
  let person: Employee | undefined;
  for (const candidate of people) {
    if ((await submit(hrEvent('terminate', candidate))).status === 'held') {
      person = candidate;
      break;
    }
  }
  assert.ok(person, 'one termination beyond the limit is held');
  const { id } = person;

  const dropped = await decideHeld(worker.client, worker.taskQueue, guard, {
    approve: false,
    approver: APPROVER,
    reason: 'HR feed error',
    employeeIds: [id],
    via: 'API token',
  });
  assert.ok(dropped.ok);
  assert.deepEqual(dropped.result.employeeIds, [id]);
  assert.equal(dropped.result.approve, false);
  const records = await eventually('the drop to be recorded', async () => {
    const chain = await recordsOf(id);
    return chain.some((r) => r.kind === 'approval-request' && r.body.change === 'withdrawn') && chain;
  });
  const decision = records.find((r) => r.kind === 'approval-decision');
  assert.equal(decision?.body.approve, false);
  assert.equal(decision?.body.reason, 'HR feed error');
  const { accountId: _, ...state } = await crmStateOf(person);
  assert.deepEqual(state, { exists: true, active: true, entitlements: ['crm-users'], openSessions: null });
  assert.equal(await stageOf(id), 'active');
  assert.ok(!(await guardStatus(worker.client, worker.taskQueue))?.held.some((h) => h.employeeId === id));
});
