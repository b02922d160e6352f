// HR systems re-send events. An old hire re-sent while the person's leaver is finishing — byte for
// byte, or re-signed under a new event id — must never start a new run that re-hires them, however
// the timing falls; so each trial re-sends it in a tight loop across the moment the run closes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityResult } from '../../domain/lifecycle';
import { identityWorkflowId } from '../../domain/lifecycle';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { crmConfig } from '../support/config';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'event-races-token';
const TRIALS = 20;
let crm: ScimServer;
let app: ScimConnector;
let worker: TestWorker;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  crm = await startScimServer({ token: TOKEN });
  await createScimGroups(crm, ['crm-users']);
  const loaded = crmConfig({ baseUrl: crm.baseUrl, token: TOKEN, group: 'crm-users' });
  app = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await crm?.stop();
});

async function runsOf(employeeId: string): Promise<number> {
  let runs = 0;
  for await (const _ of worker.client.workflow.list({
    query: `WorkflowId = "${identityWorkflowId(employeeId)}"`,
  })) {
    runs += 1;
  }
  return runs;
}

/** One person: hired, terminated, and their old hire re-sent without pause until after the run closed. */
async function trial(): Promise<{
  statuses: Set<string>;
  result: IdentityResult;
  employeeId: string;
  userName: string;
}> {
  const person = employee();
  const hire = hrEvent('hire', person);
  await send(hire);
  await eventually(`${person.id} active`, async () => (await statusOf(person.id)).stage === 'active');
  await send(hrEvent('terminate', person, { urgent: true }));
  const statuses = new Set<string>();
  let closedAt: number | undefined;
  const result = handleOf(person.id)
    .result()
    .finally(() => (closedAt = Date.now()));
  // Until a moment after the run closed: the same bytes, and the same hire re-signed under a new id.
  while (closedAt === undefined || Date.now() - closedAt < 300) {
    const resigned = { ...hire, eventId: `${hire.eventId}-resent-${statuses.size}` };
    for (const event of [hire, resigned]) statuses.add((await send(event)).status);
  }
  return { statuses, result: await result, employeeId: person.id, userName: person.userName };
}

void test(`an old hire re-sent while the leaver finishes never re-hires the person (${TRIALS} trials)`, async () => {
  const trials = await Promise.all(Array.from({ length: TRIALS }, () => trial()));
  for (const { statuses, result, employeeId, userName } of trials) {
    assert.equal(result.stage, 'left');
    assert.ok(result.lastTerminationAt, 'the result remembers when the termination occurred');
    assert.ok(
      [...statuses].every((s) => ['accepted', 'duplicate', 'stale'].includes(s)),
      [...statuses].join(),
    );
    assert.equal(await runsOf(employeeId), 1, `${employeeId}: no second run was started`);
    const state = await app.readState({ employeeId, userName });
    assert.equal(state.active, false, `${employeeId}: still disabled`);
    assert.deepEqual(state.entitlements, []);
  }
});

void test('a further termination of someone terminated is one leaver with one report', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  await eventually(`${person.id} active`, async () => (await statusOf(person.id)).stage === 'active');
  const first = hrEvent('terminate', person, { urgent: true });
  const second = hrEvent('terminate', person, { urgent: true });
  await send(first);
  await send(second);
  const result = await handleOf(person.id).result();
  assert.equal(result.leaver.eventId, first.eventId);
  assert.deepEqual(result.leaver.applications.find((a) => a.appId === 'crm')?.revoked, ['crm-users']);
  assert.ok(result.processedEventIds.includes(second.eventId));
});

void test('an old termination re-sent after a rehire does not terminate the rehired employee', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  await eventually(`${person.id} active`, async () => (await statusOf(person.id)).stage === 'active');
  const terminate = hrEvent('terminate', person, { urgent: true });
  await send(terminate);
  await handleOf(person.id).result();
  await send(hrEvent('rehire', person));
  await eventually(`${person.id} active again`, async () => (await statusOf(person.id)).stage === 'active');

  assert.equal((await send(terminate)).status, 'accepted');
  const resigned = { ...terminate, eventId: `${terminate.eventId}-resent` };
  assert.equal((await send(resigned)).status, 'accepted');
  const status = await eventually('both recorded', async () => {
    const s = await statusOf(person.id);
    return s.history.some((h) => h.eventId === resigned.eventId) && s;
  });
  assert.equal(status.stage, 'active', 'still employed');
  assert.equal(status.history.find((h) => h.eventId === resigned.eventId)?.outcome, 'stale');
  assert.ok(
    !status.history.some((h) => h.eventId === terminate.eventId),
    'the byte-for-byte copy is a duplicate',
  );
  assert.deepEqual((await app.readState({ employeeId: person.id, userName: person.userName })).entitlements, [
    'crm-users',
  ]);
});
