// Reconciliation against a real SCIM application (scim2-server) and the evidence store: accounts
// changed by hand in the application — an orphan of someone who left (switched back on), an orphan of
// someone jml never saw, an unlinked account, a membership added (drift) and a birthright membership
// removed (missing) — are each found by a run, remediated as the application's settings say, read back
// and reported; the application itself, read directly, shows them put right, and a second run finds
// only what needs a person.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ReconciliationItem, ReconciliationReport } from '../../domain/reconciliation';
import { readRun, runItems } from '../../evidence/reconciliation-store';
import type { EvidenceStore } from '../../evidence/store';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { reconciliationWorkflow } from '../../workflows/reconciliation';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { ScimConsole } from '../support/reconciliation-scim';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'reconciliation-scim-token';
const GROUPS = ['staff', 'team', 'extra'];

let scim: ScimServer;
let worker: TestWorker;
let store: EvidenceStore;
let app: ScimConsole;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const jml = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, GROUPS);
  app = new ScimConsole(scim);
  const loaded = buildConfig({
    applications: [
      {
        id: 'recon',
        kind: 'scim',
        baseUrl: scim.baseUrl,
        token: { env: 'RECON_TOKEN' },
        deprovision: 'disable',
        reconcile: { orphans: 'remediate', drift: 'revoke', missing: 'grant' },
      },
    ],
    roles: [
      { id: 'all-staff', grants: { recon: ['staff'] } },
      { id: 'engineering', when: { department: ['Engineering'] }, grants: { recon: ['team'] } },
    ],
    secrets: { RECON_TOKEN: TOKEN },
  });
  worker = await startTestWorker(loaded);
  store = await openTestEvidenceStore();
});

after(async () => {
  await worker?.stop();
  await store?.close();
  await scim?.stop();
});

async function stage(employeeId: string, wanted: string): Promise<void> {
  await eventually(`${employeeId} ${wanted}`, async () => {
    try {
      return (await jml.statusOf(employeeId)).stage === wanted;
    } catch {
      return false;
    }
  });
}

async function leaverFinished(employeeId: string): Promise<void> {
  await eventually(`${employeeId}'s leaver to finish`, async () => {
    const { status } = await jml.handleOf(employeeId).describe();
    return status.name === 'COMPLETED';
  });
}

async function reconcile(): Promise<ReconciliationReport> {
  return worker.client.workflow.execute(reconciliationWorkflow, {
    taskQueue: worker.taskQueue,
    workflowId: `reconciliation-test-${randomUUID()}`,
    args: [{ trigger: 'request', appIds: ['recon'] }],
  });
}

const itemOf = (items: ReconciliationItem[], accountId: string, cls: string) =>
  items.find((i) => i.accountId === accountId && i.class === cls);

void describe('reconciliation of a SCIM application', () => {
  const active = employee({ department: 'Engineering' });
  const missing = employee({ department: 'Sales' });
  const leaver = employee({ department: 'Sales' });
  const neverSeen = employee();
  const ids: Record<string, string> = {};
  let first: ReconciliationReport;

  before(async () => {
    for (const person of [active, missing, leaver]) await jml.send(hrEvent('hire', person));
    for (const person of [active, missing, leaver]) await stage(person.id, 'active');
    await jml.send(hrEvent('terminate', leaver, { urgent: true }));
    await leaverFinished(leaver.id);
    for (const person of [active, missing, leaver])
      ids[person.id] = (await app.userNamed(person.userName)).id;

    // By hand, in the application's console:
    await app.setActive(ids[leaver.id]!, true); // the leaver's account switched back on
    ids[neverSeen.id] = (await app.createUser(neverSeen.userName, neverSeen.id)).id; // owned by someone jml never saw
    await app.addMember('staff', ids[neverSeen.id]!);
    ids.unlinked = (await app.createUser(`nobody.${randomUUID().slice(0, 8)}`)).id; // no owner at all
    await app.addMember('extra', ids[active.id]!); // drift: a membership no role justifies
    await app.removeMember('staff', ids[missing.id]!); // missing: birthright taken away

    first = await reconcile();
  });

  void test('each account changed by hand is found in its class, and nothing else is', () => {
    const recon = first.applications.find((a) => a.appId === 'recon');
    assert.equal(recon?.listing, 'complete');
    assert.equal(recon?.accounts, 5);
    assert.deepEqual(first.counts, { orphan: 2, unlinked: 1, drift: 1, missing: 1 });
    assert.equal(first.clean, false);
    assert.deepEqual(
      first.items.map((i) => [i.class, i.accountId, i.employeeId, i.entitlements]).sort(),
      [
        ['drift', ids[active.id], active.id, ['extra']],
        ['missing', ids[missing.id], missing.id, ['staff']],
        ['orphan', ids[leaver.id], leaver.id, []],
        ['orphan', ids[neverSeen.id], neverSeen.id, ['staff']],
        ['unlinked', ids.unlinked, undefined, []],
      ].sort(),
    );
  });

  void test('orphans are terminated through the leaver path and verified by read-back', async () => {
    for (const person of [leaver, neverSeen]) {
      const item = itemOf(first.items, ids[person.id]!, 'orphan');
      assert.equal(item?.action, 'remediate');
      assert.equal(item?.outcome, 'verified', item?.detail);
      const account = await app.user(ids[person.id]!);
      assert.equal(account.active, false);
      assert.deepEqual(await app.groupsOf(ids[person.id]!), []);
      const { history } = await jml.statusOf(person.id);
      assert.ok(history.some((h) => h.eventId === item.remediation?.eventId));
    }
  });

  void test("drift is revoked and missing birthright granted again by the person's workflow, and verified", async () => {
    const drift = itemOf(first.items, ids[active.id]!, 'drift');
    assert.equal(drift?.outcome, 'verified', drift?.detail);
    assert.deepEqual(await app.groupsOf(ids[active.id]!), ['staff', 'team']);
    const lacking = itemOf(first.items, ids[missing.id]!, 'missing');
    assert.equal(lacking?.outcome, 'verified', lacking?.detail);
    assert.deepEqual(await app.groupsOf(ids[missing.id]!), ['staff']);
  });

  void test('an unlinked account is reported for a person, identified by its account id, and left as it is', async () => {
    const item = itemOf(first.items, ids.unlinked!, 'unlinked');
    assert.deepEqual([item?.action, item?.outcome], ['report', 'reported']);
    assert.equal((await app.user(ids.unlinked!)).active, true);
  });

  void test('the report is kept in the evidence database with every finding, and carries no userName', async () => {
    const kept = await readRun(store.reader, first.runId);
    assert.equal(kept?.report?.status, 'finished');
    assert.deepEqual(kept?.report?.counts, first.counts);
    const items = await runItems(store.reader, first.runId);
    assert.equal(items.length, 5);
    const text = JSON.stringify({ kept, items });
    for (const person of [active, missing, leaver, neverSeen])
      assert.equal(text.includes(person.userName), false);
  });

  void test('a second run finds only what needs a person: the unlinked account', async () => {
    const second = await reconcile();
    assert.deepEqual(second.counts, { orphan: 0, unlinked: 1, drift: 0, missing: 0 });
    assert.equal(second.clean, false);
  });
});
