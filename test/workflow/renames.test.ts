// A person whose userName changes keeps one account per application: the account jml recorded is
// renamed (SCIM userName, LDAP DN) with its memberships, and the leaver covers it, so no account is
// left active under the old name. scim2-server and OpenLDAP, read directly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from 'ldapts';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { asAdmin, createGroups, startSlapd, type SlapdServer } from '../support/slapd';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'renames-token';
let scim: ScimServer;
let ldap: SlapdServer;
let worker: TestWorker;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  [scim, ldap] = await Promise.all([startScimServer({ token: TOKEN }), startSlapd()]);
  await createScimGroups(scim, ['staff']);
  await createGroups(ldap, ['staff']);
  const loaded = buildConfig({
    secrets: { TOKEN, LDAP_PASSWORD: ldap.bindPassword },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'TOKEN' } },
      {
        id: 'directory',
        kind: 'ldap',
        url: ldap.url,
        bindDn: ldap.bindDn,
        bindPassword: { env: 'LDAP_PASSWORD' },
        usersDn: ldap.usersDn,
        groupsDn: ldap.groupsDn,
      },
    ],
    roles: [{ id: 'all', grants: { crm: ['staff'], directory: ['staff'] } }],
  });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await Promise.all([scim?.stop(), ldap?.stop()]);
});

async function scimUsers(): Promise<{ id: string; userName: string; active?: boolean }[]> {
  const response = await fetch(`${scim.baseUrl}/Users`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (
    ((await response.json()) as { Resources?: { id: string; userName: string; active?: boolean }[] })
      .Resources ?? []
  );
}

async function scimStaff(): Promise<string[]> {
  const list = await fetch(`${scim.baseUrl}/Groups?filter=${encodeURIComponent('displayName eq "staff"')}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const [group] = ((await list.json()) as { Resources: { members?: { value: string }[] }[] }).Resources;
  return (group?.members ?? []).map((m) => m.value);
}

async function directory(userName: string) {
  return asAdmin(ldap, async (client: Client) => {
    const dn = `uid=${userName},${ldap.usersDn}`;
    const { searchEntries } = await client.search(ldap.usersDn, {
      filter: `(uid=${userName})`,
      attributes: ['pwdAccountLockedTime'],
    });
    const groups = await client.search(ldap.groupsDn, { filter: `(member=${dn})`, attributes: ['cn'] });
    const entry = searchEntries[0];
    return {
      exists: entry !== undefined,
      locked: entry ? [entry.pwdAccountLockedTime].flat().length > 0 : false,
      groups: groups.searchEntries.map((g) => String(g.cn)),
    };
  });
}

void test('a changed userName renames the account in every application, and the leaver covers it', async () => {
  const before = employee();
  await send(hrEvent('hire', before));
  await eventually('hired', async () => (await statusOf(before.id)).stage === 'active');
  const [account] = (await scimUsers()).filter((u) => u.userName === before.userName);
  assert.ok(account);

  const after = { ...before, userName: `${before.userName}.renamed` };
  await send(hrEvent('change', after));
  await eventually('the change applied', async () => {
    const status = await statusOf(before.id);
    return status.stage === 'active' && status.history.length === 2;
  });
  const users = (await scimUsers()).filter((u) => u.userName.startsWith(before.userName));
  assert.deepEqual(
    users.map((u) => [u.id, u.userName]),
    [[account.id, after.userName]],
    'one account, renamed',
  );
  assert.ok((await scimStaff()).includes(account.id));
  assert.deepEqual(await directory(before.userName), { exists: false, locked: false, groups: [] });
  assert.deepEqual(await directory(after.userName), { exists: true, locked: false, groups: ['staff'] });

  await send(hrEvent('terminate', after, { urgent: true }));
  const result = await handleOf(before.id).result();
  assert.ok(result.leaver.applications.every((a) => a.outcome === 'verified'));
  const [renamed] = (await scimUsers()).filter((u) => u.id === account.id);
  assert.equal(renamed?.active, false, 'the one account is disabled');
  assert.ok(!(await scimStaff()).includes(account.id));
  assert.deepEqual(await directory(after.userName), { exists: true, locked: true, groups: [] });
  assert.deepEqual(await directory(before.userName), { exists: false, locked: false, groups: [] });
});
