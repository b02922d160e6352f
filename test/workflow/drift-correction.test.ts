// A reconciliation's drift finding, as the person's identity workflow takes it: a membership given by
// hand that the plan does not justify is removed, a birthright membership removed by hand is granted
// again, both verified by reading the application back and put on the evidence record; what the plan
// justifies is never removed, and a repeated finding does nothing. scim2-server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import type { EvidenceStore } from '../../evidence/store';
import { driftSignal } from '../../workflows/messages';
import { crmConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'drift-token';
let scim: ScimServer;
let worker: TestWorker;
let store: EvidenceStore;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 500 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['staff', 'admins']);
  const loaded = crmConfig({ baseUrl: scim.baseUrl, token: TOKEN, group: 'staff' });
  [worker, store] = await Promise.all([startTestWorker(loaded), openTestEvidenceStore()]);
});

after(async () => {
  await worker?.stop();
  await store?.close();
  await scim?.stop();
});

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };

async function scimGet<T>(path: string): Promise<T> {
  const response = await fetch(`${scim.baseUrl}${path}`, { headers });
  assert.equal(response.status, 200, path);
  return (await response.json()) as T;
}

async function userIdOf(userName: string): Promise<string> {
  const filter = encodeURIComponent(`userName eq "${userName}"`);
  const list = await scimGet<{ Resources: { id: string }[] }>(`/Users?filter=${filter}`);
  assert.ok(list.Resources[0], `${userName} has an account`);
  return list.Resources[0].id;
}

async function groups() {
  return (
    await scimGet<{ Resources: { id: string; displayName: string; members?: { value: string }[] }[] }>(
      '/Groups',
    )
  ).Resources;
}

/** Changes a membership by hand, in the application's own API, as someone in its console would. */
async function byHand(op: 'add' | 'remove', group: string, userId: string): Promise<void> {
  const target = (await groups()).find((g) => g.displayName === group)!;
  const operation =
    op === 'add'
      ? { op: 'add', path: 'members', value: [{ value: userId }] }
      : { op: 'remove', path: `members[value eq "${userId}"]` };
  const response = await fetch(`${scim.baseUrl}/Groups/${target.id}`, {
    method: 'PATCH',
    headers,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [operation],
    }),
  });
  assert.ok(response.ok, `${op} ${group}: HTTP ${response.status}`);
}

const memberOf = async (userId: string) =>
  (await groups())
    .filter((g) => g.members?.some((m) => m.value === userId))
    .map((g) => g.displayName)
    .sort();

void test('a drift finding removes what the plan does not justify, grants back what was lost, verified and on the record', async () => {
  const person = employee();
  await send(hrEvent('hire', person));
  await eventually('hired', async () => (await statusOf(person.id)).stage === 'active');
  const userId = await userIdOf(person.userName);
  await byHand('add', 'admins', userId);
  await byHand('remove', 'staff', userId);
  assert.deepEqual(await memberOf(userId), ['admins']);

  const findingId = `rec-1-crm-${person.id}`;
  // The finding also asks to remove what the plan justifies: that part is refused by the workflow.
  const finding = { findingId, appId: 'crm', revoke: ['admins', 'staff'], grant: ['staff'] };
  await handleOf(person.id).signal(driftSignal, finding);
  await eventually('the finding settled', async () =>
    (await statusOf(person.id)).history.some((h) => h.eventId === findingId && h.outcome === 'completed'),
  );
  assert.deepEqual(await memberOf(userId), ['staff'], 'read from the application itself');

  // The step's evidence is written once it has settled: wait for it rather than race it.
  const records = await eventually('the finding on the record', async () => {
    const found = (await store.chainOf(person.id)).filter((r) => r.key.includes(`/${findingId}/`));
    return found.length >= 2 && found;
  });
  assert.deepEqual(records.map((r) => r.kind).sort(), ['app-operation', 'read-back']);
  const operation = records.find((r) => r.kind === 'app-operation')!.body as Record<string, unknown>;
  assert.deepEqual(
    { step: operation.step, granted: operation.granted, revoked: operation.revoked },
    { step: 'reconciliation', granted: ['staff'], revoked: ['admins'] },
  );
  const readBack = records.find((r) => r.kind === 'read-back')!.body as {
    verified: boolean;
    state: { entitlements: string[] };
  };
  assert.equal(readBack.verified, true);
  assert.deepEqual(readBack.state.entitlements, ['staff']);

  // The same finding again is a duplicate: nothing more is done or written.
  await byHand('add', 'admins', userId);
  await handleOf(person.id).signal(driftSignal, finding);
  const marker = hrEvent('change', person);
  await send(marker);
  await eventually('a later event processed', async () =>
    (await statusOf(person.id)).history.some((h) => h.eventId === marker.eventId),
  );
  assert.deepEqual(await memberOf(userId), ['admins', 'staff'], 'the repeated finding changed nothing');
  const again = (await store.chainOf(person.id)).filter((r) => r.key.includes(`/${findingId}/`));
  assert.equal(again.length, 2);
});
