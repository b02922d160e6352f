// The whole system: signed HR events through the HTTP API, the service on a real Temporal server,
// a real scim2-server and a real OpenLDAP; every outcome checked in the applications themselves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client as LdapClient } from 'ldapts';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import type { HrEvent } from '../../domain/hr-event';
import type { IdentityStatus } from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig } from '../support/config';
import { employee, hrEvent } from '../support/people';
import { asAdmin, createGroups, startSlapd, type SlapdServer } from '../support/slapd';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { openTestEvidenceStore } from '../support/evidence';

const SCIM_TOKEN = 'e2e-scim-token';
const HR_SECRET = 'test-hr-secret';
const API_TOKEN = 'test-api-token';
let scim: ScimServer;
let ldap: SlapdServer;
let service: RunningService;

before(async () => {
  [scim, ldap] = await Promise.all([startScimServer({ token: SCIM_TOKEN }), startSlapd()]);
  await createScimGroups(scim, ['crm-users', 'crm-readonly']);
  await createGroups(ldap, ['staff', 'engineering', 'vpn', 'sales']);
  const loaded = buildConfig({
    secrets: { SCIM_TOKEN, LDAP_PASSWORD: ldap.bindPassword },
    applications: [
      {
        id: 'crm',
        kind: 'scim',
        baseUrl: scim.baseUrl,
        token: { env: 'SCIM_TOKEN' },
        deprovision: 'disable',
      },
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
    roles: [
      { id: 'all', grants: { directory: ['staff'] } },
      {
        id: 'eng',
        when: { department: ['Engineering'] },
        grants: { directory: ['engineering', 'vpn'], crm: ['crm-readonly'] },
      },
      { id: 'sales', when: { department: ['Sales'] }, grants: { directory: ['sales'], crm: ['crm-users'] } },
    ],
  });
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `e2e-${Date.now()}` },
    logger: createLogger('e2e-test').child({}, { level: 'warn' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
});

after(async () => {
  await service?.stop();
  await Promise.all([scim?.stop(), ldap?.stop()]);
});

function post(body: string, signature?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== undefined) headers['x-jml-signature'] = signature;
  return fetch(`${service.apiUrl}/v1/hr/events`, { method: 'POST', headers, body });
}

function sendEvent(event: HrEvent): Promise<Response> {
  const body = JSON.stringify(event);
  return post(body, signPayload(body, HR_SECRET));
}

async function status(employeeId: string): Promise<IdentityStatus | undefined> {
  const response = await fetch(`${service.apiUrl}/v1/identities/${employeeId}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200);
  return (await response.json()) as IdentityStatus;
}

async function scimUser(userName: string): Promise<{ id: string; active: boolean } | undefined> {
  const filter = encodeURIComponent(`userName eq "${userName}"`);
  const response = await fetch(`${scim.baseUrl}/Users?filter=${filter}`, {
    headers: { authorization: `Bearer ${SCIM_TOKEN}` },
  });
  const body = (await response.json()) as { Resources?: { id: string; active: boolean }[] };
  return body.Resources?.[0];
}

async function scimGroupsOf(userId: string): Promise<string[]> {
  const response = await fetch(`${scim.baseUrl}/Groups`, {
    headers: { authorization: `Bearer ${SCIM_TOKEN}` },
  });
  const body = (await response.json()) as {
    Resources: { displayName: string; members?: { value: string }[] }[];
  };
  return body.Resources.filter((g) => g.members?.some((m) => m.value === userId))
    .map((g) => g.displayName)
    .sort();
}

async function ldapUser(userName: string) {
  return asAdmin(ldap, async (client: LdapClient) => {
    const dn = `uid=${userName},${ldap.usersDn}`;
    const { searchEntries } = await client.search(ldap.usersDn, {
      filter: `(uid=${userName})`,
      attributes: ['uid', 'pwdAccountLockedTime', 'employeeNumber'],
    });
    const groups = await client.search(ldap.groupsDn, { filter: `(member=${dn})`, attributes: ['cn'] });
    return { entry: searchEntries[0], groups: groups.searchEntries.map((g) => String(g.cn)).sort() };
  });
}

void test('hire then terminate through the HTTP API: accounts appear, then every access is removed and verified', async () => {
  const person = employee({ department: 'Engineering' });
  const hire = await sendEvent(hrEvent('hire', person));
  assert.equal(hire.status, 202);
  assert.equal(((await hire.json()) as { workflowId: string }).workflowId, `identity-${person.id}`);

  await eventually('the joiner to finish', async () => (await status(person.id))?.stage === 'active');
  const crmUser = await scimUser(person.userName);
  assert.ok(crmUser, 'the SCIM application has the account');
  assert.equal(crmUser.active, true);
  assert.deepEqual(await scimGroupsOf(crmUser.id), ['crm-readonly']);
  const directoryBefore = await ldapUser(person.userName);
  assert.equal(String(directoryBefore.entry?.employeeNumber), person.id);
  assert.deepEqual(directoryBefore.entry?.pwdAccountLockedTime, [], 'the LDAP account is not locked');
  assert.deepEqual(directoryBefore.groups, ['engineering', 'staff', 'vpn']);

  const accepted = Date.now();
  const terminate = await sendEvent(hrEvent('terminate', person, { urgent: true }));
  assert.equal(terminate.status, 202);
  const left = await eventually('the leaver to finish', async () => {
    const s = await status(person.id);
    return s?.stage === 'left' && s.lastLeaver && s;
  });
  const elapsed = Date.now() - accepted;
  const report = Object.fromEntries(left.lastLeaver!.applications.map((a) => [a.appId, a]));
  assert.deepEqual(report.crm?.revoked, ['crm-readonly']);
  assert.deepEqual(report.directory?.revoked, ['engineering', 'staff', 'vpn']);
  assert.ok(report.crm?.verifiedAt && report.directory?.verifiedAt);

  assert.equal((await scimUser(person.userName))?.active, false);
  assert.deepEqual(await scimGroupsOf(crmUser.id), []);
  const directoryAfter = await ldapUser(person.userName);
  assert.equal(
    directoryAfter.entry?.pwdAccountLockedTime,
    '000001010000Z',
    'the LDAP account is locked by ppolicy',
  );
  assert.deepEqual(directoryAfter.groups, []);
  console.log(
    `# leaver: termination accepted → every application verified in ${elapsed} ms (including status polling)`,
  );
});

void test('a mover from Engineering to Sales loses the Engineering-only groups in SCIM and LDAP, verified by read-back', async () => {
  const person = employee({ department: 'Engineering' });
  await sendEvent(hrEvent('hire', person));
  await eventually('active', async () => (await status(person.id))?.stage === 'active');
  const change = hrEvent('change', { ...person, department: 'Sales' });
  assert.equal((await sendEvent(change)).status, 202);
  const moved = await eventually('the move to finish', async () => {
    const s = await status(person.id);
    return s?.lastJoiner?.eventId === change.eventId && s.stage === 'active' && s;
  });
  const report = Object.fromEntries(moved.lastJoiner!.applications.map((a) => [a.appId, a]));
  assert.deepEqual(report.crm?.verifiedState.entitlements, ['crm-users']);
  assert.deepEqual(report.directory?.verifiedState.entitlements, ['sales', 'staff']);
  assert.deepEqual(moved.lastJoiner?.drift, {});
  const crmUser = await scimUser(person.userName);
  assert.deepEqual(await scimGroupsOf(crmUser!.id), ['crm-users']);
  assert.deepEqual((await ldapUser(person.userName)).groups, ['sales', 'staff']);
});

void test('a rehire after leaving starts a new run under the same workflow id', async () => {
  const person = employee({ department: 'Engineering' });
  await sendEvent(hrEvent('hire', person));
  await eventually('active', async () => (await status(person.id))?.stage === 'active');
  await sendEvent(hrEvent('terminate', person, { urgent: true }));
  await eventually('left', async () => (await status(person.id))?.stage === 'left');
  const rehire = await sendEvent(hrEvent('rehire', person));
  assert.equal(rehire.status, 202);
  await eventually('active again', async () => (await status(person.id))?.stage === 'active');
  const crmUser = await scimUser(person.userName);
  assert.equal(crmUser?.active, true, 'the disabled SCIM account is re-activated, not duplicated');
  assert.deepEqual((await ldapUser(person.userName)).groups, ['engineering', 'staff', 'vpn']);
});

void test('the same event id sent twice changes nothing', async () => {
  const person = employee({ department: 'Sales' });
  const event = hrEvent('hire', person);
  const [first, second] = await Promise.all([sendEvent(event), sendEvent(event)]);
  assert.equal(first.status, 202);
  assert.equal(second.status, 202);
  const s = await eventually('active', async () => {
    const current = await status(person.id);
    return current?.stage === 'active' && current;
  });
  assert.equal(s.history.length, 1);
});

void test('unsigned, badly signed and stale requests are rejected with 401 and start nothing', async () => {
  const person = employee();
  const body = JSON.stringify(hrEvent('hire', person));
  const cases = [
    ['missing', undefined],
    ['wrong secret', signPayload(body, 'not-the-secret')],
    ['stale', signPayload(body, HR_SECRET, Math.floor(Date.now() / 1000) - 3600)],
    ['malformed', 'v1=abc'],
  ] as const;
  for (const [name, signature] of cases) {
    const response = await post(body, signature);
    assert.equal(response.status, 401, name);
    assert.equal(((await response.json()) as { error: string }).error, 'unauthorized');
  }
  assert.equal(await status(person.id), undefined, 'no workflow was started');
});

void test('an invalid event is rejected with 400 naming every invalid field', async () => {
  const person = employee();
  const event = {
    ...hrEvent('hire', person),
    type: 'fire',
    employee: { ...person, email: 'not-an-email', id: 'bad id' },
  };
  const body = JSON.stringify(event);
  const response = await post(body, signPayload(body, HR_SECRET));
  assert.equal(response.status, 400);
  const answer = (await response.json()) as { error: string; problems: { path: string }[] };
  assert.equal(answer.error, 'invalid_event');
  assert.deepEqual(answer.problems.map((p) => p.path).sort(), ['employee.email', 'employee.id', 'type']);

  const notJson = 'not json';
  const bad = await post(notJson, signPayload(notJson, HR_SECRET));
  assert.equal(bad.status, 400);
});

void test('an oversized body is rejected with 413', async () => {
  const body = JSON.stringify({ padding: 'x'.repeat(70_000) });
  const response = await post(body, signPayload(body, HR_SECRET));
  assert.equal(response.status, 413);
});

void test('status needs the API token', async () => {
  const response = await fetch(`${service.apiUrl}/v1/identities/E1`, {
    headers: { authorization: 'Bearer wrong' },
  });
  assert.equal(response.status, 401);
  const anonymous = await fetch(`${service.apiUrl}/v1/identities/E1`);
  assert.equal(anonymous.status, 401);
});
