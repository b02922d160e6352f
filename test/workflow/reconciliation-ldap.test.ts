// Reconciliation against a real OpenLDAP (slapd with the ppolicy and memberof overlays) and the
// evidence store: entries changed by hand as the directory's administrator — a leaver's lock lifted,
// an entry whose employeeNumber jml never saw, an entry without employeeNumber, a groupOfNames
// membership added (drift) and a birthright one removed (missing) — are each found by a run in their
// class, remediated as the application's settings say and read back by DN; the directory itself,
// read directly, shows them put right, and a second run finds only what needs a person.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dnKey } from '../../connectors/ldap/directory-listing';
import type { ReconciliationItem, ReconciliationReport } from '../../domain/reconciliation';
import { readRun, runItems } from '../../evidence/reconciliation-store';
import type { EvidenceStore } from '../../evidence/store';
import { reconciliationWorkflow } from '../../workflows/reconciliation';
import { buildConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { LdapConsole } from '../support/reconciliation-ldap';
import { createGroups, startSlapd, type SlapdServer } from '../support/slapd';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const GROUPS = ['staff', 'team', 'extra'];

let ldap: SlapdServer;
let worker: TestWorker;
let store: EvidenceStore;
let directory: LdapConsole;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const jml = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  ldap = await startSlapd();
  await createGroups(ldap, GROUPS);
  directory = new LdapConsole(ldap);
  const loaded = buildConfig({
    applications: [
      {
        id: 'directory',
        kind: 'ldap',
        url: ldap.url,
        bindDn: ldap.bindDn,
        bindPassword: { env: 'LDAP_PASSWORD' },
        usersDn: ldap.usersDn,
        groupsDn: ldap.groupsDn,
        deprovision: 'disable',
        reconcile: { orphans: 'remediate', drift: 'revoke', missing: 'grant' },
      },
    ],
    roles: [
      { id: 'all-staff', grants: { directory: ['staff'] } },
      { id: 'engineering', when: { department: ['Engineering'] }, grants: { directory: ['team'] } },
    ],
    secrets: { LDAP_PASSWORD: ldap.bindPassword },
  });
  worker = await startTestWorker(loaded);
  store = await openTestEvidenceStore();
});

after(async () => {
  await worker?.stop();
  await store?.close();
  await ldap?.stop();
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
    args: [{ trigger: 'request', appIds: ['directory'] }],
  });
}

/** DNs as the directory compares them: the report keeps the DN the server listed. */
const itemOf = (items: ReconciliationItem[], dn: string, cls: string) =>
  items.find((i) => dnKey(i.accountId) === dnKey(dn) && i.class === cls);

void describe('reconciliation of an OpenLDAP directory', () => {
  const active = employee({ department: 'Engineering' });
  const missing = employee({ department: 'Sales' });
  const leaver = employee({ department: 'Sales' });
  const neverSeen = employee();
  const contractor = employee();
  const dns: Record<string, string> = {};
  let first: ReconciliationReport;

  before(async () => {
    for (const person of [active, missing, leaver]) await jml.send(hrEvent('hire', person));
    for (const person of [active, missing, leaver]) await stage(person.id, 'active');
    await jml.send(hrEvent('terminate', leaver, { urgent: true }));
    await leaverFinished(leaver.id);
    for (const person of [active, missing, leaver]) dns[person.id] = directory.dnOf(person.userName);
    assert.deepEqual(await directory.entry(dns[leaver.id]!), { owner: leaver.id, locked: true, groups: [] });

    // By hand, as the directory's administrator:
    await directory.unlock(dns[leaver.id]!); // the leaver's account switched back on
    dns[neverSeen.id] = await directory.addPerson(neverSeen.userName, neverSeen.id); // owned by someone jml never saw
    await directory.addMember('staff', dns[neverSeen.id]!);
    // Owned by someone jml never saw, in an OU below usersDn, where a leaver finding accounts by userName does not look.
    dns[contractor.id] = await directory.addPerson(contractor.userName, contractor.id, 'contractors');
    await directory.addMember('team', dns[contractor.id]!);
    dns.unlinked = await directory.addPerson(`nobody.${randomUUID().slice(0, 8)}`); // no employeeNumber at all
    await directory.addMember('extra', dns.unlinked);
    await directory.addMember('extra', dns[active.id]!); // drift: a membership no role justifies
    await directory.removeMember('staff', dns[missing.id]!); // missing: birthright taken away

    first = await reconcile();
  });

  void test('each entry changed by hand is found in its class, and nothing else is', () => {
    const app = first.applications.find((a) => a.appId === 'directory');
    assert.equal(app?.listing, 'complete', JSON.stringify(app));
    assert.equal(app?.accounts, 6);
    assert.deepEqual(first.counts, { orphan: 3, unlinked: 1, drift: 1, missing: 1 });
    assert.equal(first.clean, false);
    assert.deepEqual(
      first.items.map((i) => [i.class, dnKey(i.accountId), i.employeeId, i.entitlements]).sort(),
      [
        ['drift', dnKey(dns[active.id]!), active.id, ['extra']],
        ['missing', dnKey(dns[missing.id]!), missing.id, ['staff']],
        ['orphan', dnKey(dns[leaver.id]!), leaver.id, []],
        ['orphan', dnKey(dns[neverSeen.id]!), neverSeen.id, ['staff']],
        ['orphan', dnKey(dns[contractor.id]!), contractor.id, ['team']],
        ['unlinked', dnKey(dns.unlinked!), undefined, ['extra']],
      ].sort(),
    );
  });

  void test('orphans are locked and emptied through the leaver path, verified by read-back and seen so in the directory', async () => {
    for (const person of [leaver, neverSeen]) {
      const item = itemOf(first.items, dns[person.id]!, 'orphan');
      assert.equal(item?.action, 'remediate');
      assert.equal(item?.outcome, 'verified', item?.detail);
      assert.deepEqual(await directory.entry(dns[person.id]!), {
        owner: person.id,
        locked: true,
        groups: [],
      });
      const { history } = await jml.statusOf(person.id);
      assert.ok(history.some((h) => h.eventId === item.remediation?.eventId));
    }
  });

  void test('an orphan entry in an OU below usersDn is reached by its employeeNumber: the leaver locks and empties it, verified', async () => {
    const item = itemOf(first.items, dns[contractor.id]!, 'orphan');
    assert.equal(item?.action, 'remediate');
    assert.equal(item?.outcome, 'verified', item?.detail);
    assert.deepEqual(await directory.entry(dns[contractor.id]!), {
      owner: contractor.id,
      locked: true,
      groups: [],
    });
  });

  void test("drift is revoked and missing birthright granted again by the person's workflow, verified and seen in the groups", async () => {
    const drift = itemOf(first.items, dns[active.id]!, 'drift');
    assert.equal(drift?.action, 'remediate');
    assert.equal(drift?.outcome, 'verified', drift?.detail);
    assert.deepEqual(await directory.entry(dns[active.id]!), {
      owner: active.id,
      locked: false,
      groups: ['staff', 'team'],
    });
    const lacking = itemOf(first.items, dns[missing.id]!, 'missing');
    assert.equal(lacking?.action, 'remediate');
    assert.equal(lacking?.outcome, 'verified', lacking?.detail);
    assert.deepEqual(await directory.entry(dns[missing.id]!), {
      owner: missing.id,
      locked: false,
      groups: ['staff'],
    });
  });

  void test('an entry without employeeNumber is reported for a person, identified by its DN, and left as it is', async () => {
    const item = itemOf(first.items, dns.unlinked!, 'unlinked');
    assert.deepEqual([item?.action, item?.outcome], ['report', 'reported']);
    assert.deepEqual(await directory.entry(dns.unlinked!), { locked: false, groups: ['extra'] });
  });

  void test('the report is kept in the evidence database with every finding, and carries no name or email', async () => {
    const kept = await readRun(store.reader, first.runId);
    assert.equal(kept?.report?.status, 'finished');
    assert.deepEqual(kept?.report?.counts, first.counts);
    const items = await runItems(store.reader, first.runId);
    assert.equal(items.length, 6);
    // The DN names the entry (its uid is in it); the person's names and email are not.
    const text = JSON.stringify({ kept, items });
    for (const person of [active, missing, leaver, neverSeen, contractor]) {
      assert.equal(text.includes(person.email), false);
      assert.equal(text.includes(person.familyName), false);
    }
  });

  void test('a second run finds only what needs a person: the entry without employeeNumber', async () => {
    const second = await reconcile();
    assert.deepEqual(second.counts, { orphan: 0, unlinked: 1, drift: 0, missing: 0 });
    assert.deepEqual(
      second.items.map((i) => [i.class, dnKey(i.accountId)]),
      [['unlinked', dnKey(dns.unlinked!)]],
    );
    assert.equal(second.clean, false);
  });
});
