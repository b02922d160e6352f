// The leaver's promise in OpenLDAP: a hire, a second hire whose userName is the first person's entry
// (refused), and both their leavers, with the directory read directly after each step. The other
// person's entry is never touched, and no leaver is verified while access remains.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'ldapts';
import type { IdentityResult } from '../../domain/lifecycle';
import { NeedsAttentionKey } from '../../workflows/messages';
import { buildConfig } from '../support/config';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { asAdmin, createGroups, startSlapd, type SlapdServer } from '../support/slapd';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const GROUPS = ['staff', 'team'];
let ldap: SlapdServer;
let worker: TestWorker;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  ldap = await startSlapd();
  await createGroups(ldap, GROUPS);
  const loaded = buildConfig({
    secrets: { LDAP_PASSWORD: ldap.bindPassword },
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
      },
    ],
    roles: [{ id: 'all', grants: { directory: GROUPS } }],
  });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await ldap?.stop();
});

/** The entry at the userName's DN and the groups that list it, read as the administrator. */
async function entryOf(userName: string) {
  return asAdmin(ldap, async (client: Client) => {
    const dn = `uid=${userName},${ldap.usersDn}`;
    const { searchEntries } = await client.search(dn, {
      scope: 'base',
      attributes: ['employeeNumber', 'pwdAccountLockedTime'],
    });
    const groups = await client.search(ldap.groupsDn, { filter: `(member=${dn})`, attributes: ['cn'] });
    const entry = searchEntries[0];
    return {
      owner: entry ? String(entry.employeeNumber) : undefined,
      locked: entry ? [entry.pwdAccountLockedTime].flat().length > 0 : false,
      groups: groups.searchEntries.map((g) => String(g.cn)).sort(),
    };
  });
}

function directoryReport(result: IdentityResult) {
  const report = result.leaver.applications.find((a) => a.appId === 'directory');
  assert.ok(report);
  return report;
}

void test("a refused hire's leaver leaves the other person's entry untouched, and each leaver is verified only when clean", async () => {
  const first = employee();
  const second = employee({ userName: first.userName });

  await send(hrEvent('hire', first));
  await eventually(`${first.id} active`, async () => (await statusOf(first.id)).stage === 'active');
  assert.deepEqual(await entryOf(first.userName), { owner: first.id, locked: false, groups: GROUPS });

  await send(hrEvent('hire', second));
  const refused = await eventually(`${second.id}'s hire refused`, async () => {
    const app = (await statusOf(second.id)).apps.find((a) => a.appId === 'directory');
    return app?.status === 'failing' && app;
  });
  assert.match(refused.lastProblem ?? '', /refusing to adopt another person's account/);

  await send(hrEvent('terminate', second, { urgent: true }));
  const secondReport = directoryReport(await handleOf(second.id).result());
  assert.equal(secondReport.outcome, 'held-by-other');
  assert.equal(secondReport.heldBy, first.id);
  assert.equal(secondReport.disabled, false);
  assert.equal((await handleOf(second.id).describe()).typedSearchAttributes.get(NeedsAttentionKey), true);
  assert.deepEqual(await entryOf(first.userName), { owner: first.id, locked: false, groups: GROUPS });

  await send(hrEvent('terminate', first, { urgent: true }));
  const firstReport = directoryReport(await handleOf(first.id).result());
  assert.equal(firstReport.outcome, 'verified');
  assert.deepEqual(firstReport.revoked, GROUPS);
  assert.deepEqual(await entryOf(first.userName), { owner: first.id, locked: true, groups: [] });
});
