// The SCIM connector addresses an account by the id jml recorded, against a real scim2-server behind
// a counting proxy: one request per change, a leaver's disable that answers with the account, and
// the fallbacks when the server says the account is gone, belongs to someone else, or refuses to
// remove a member it no longer knows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createActivities } from '../../activities';
import type { AccountProfile } from '../../connectors/connector';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { buildConfig } from '../support/config';

const TOKEN = 'scim-addressing-token';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUPS = ['alpha', 'beta'];

let server: ScimServer;
let proxy: FaultProxy;
let config: ScimApplicationConfig;

before(async () => {
  server = await startScimServer({ token: TOKEN });
  await createScimGroups(server, GROUPS);
  proxy = await startFaultProxy(server.port);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'app', kind: 'scim', baseUrl: proxy.url('/v2'), token: { env: 'TOKEN' }, deprovision: 'delete' },
    ],
    roles: [],
  });
  config = loaded.config.applications[0] as ScimApplicationConfig;
});

after(async () => {
  await proxy?.stop();
  await server?.stop();
});

let sequence = 0;
function person(): AccountProfile {
  sequence += 1;
  return {
    employeeId: `E${5000 + sequence}`,
    userName: `addressed.${sequence}@jml-test`,
    email: `addressed.${sequence}@example.com`,
    givenName: 'Ada',
    familyName: `Tester${sequence}`,
  };
}

/** A connector with nothing learned yet, which has read the server's capabilities and groups once. */
async function warmConnector(): Promise<ScimConnector> {
  const connector = new ScimConnector(config);
  const p = person();
  const { accountId } = await connector.ensureAccount(p);
  for (const g of GROUPS) await connector.grant({ ...p, accountId }, g);
  await connector.readState({ ...p, accountId }, { known: GROUPS });
  return connector;
}

async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function groupMembers(name: string): Promise<string[]> {
  const query = new URLSearchParams({ filter: `displayName eq "${name}"` });
  const list = (await raw('GET', `/Groups?${query.toString()}`)).body as { Resources: { id: string }[] };
  const group = (await raw('GET', `/Groups/${list.Resources[0]!.id}`)).body as {
    members?: { value: string }[];
  };
  return (group.members ?? []).map((m) => m.value);
}

async function user(id: string): Promise<{ status: number; active?: boolean }> {
  const { status, body } = await raw('GET', `/Users/${id}`);
  return { status, active: (body as { active?: boolean } | undefined)?.active };
}

/** The requests the proxy sees while `step` runs. */
async function requestsOf(step: () => Promise<unknown>): Promise<string[]> {
  const start = proxy.log.length;
  await step();
  return proxy.log.slice(start);
}

void test('grant and revoke by the recorded id are one Group PATCH each, answered without the member list', async () => {
  const connector = await warmConnector();
  const p = person();
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  const requests = await requestsOf(async () => {
    await connector.grant(ref, 'alpha');
    await connector.revoke(ref, 'alpha');
  });
  assert.equal(requests.length, 2, requests.join('\n'));
  for (const request of requests)
    assert.match(request, /^PATCH \/v2\/Groups\/[^/?]+\?excludedAttributes=members$/);
  assert.ok(!(await groupMembers('alpha')).includes(accountId));
  await connector.close();
});

void test("a leaver's disable answers with the account: with the read of its groups, two requests on scim2-server", async () => {
  const connector = await warmConnector();
  const p = person();
  const { accountId } = await connector.ensureAccount(p);
  for (const g of GROUPS) await connector.grant({ ...p, accountId }, g);
  let state: Awaited<ReturnType<ScimConnector['disableAndRead']>> | undefined;
  const requests = await requestsOf(async () => {
    state = await connector.disableAndRead({ ...p, accountId }, { known: GROUPS, everything: true });
  });
  assert.match(requests[0] ?? '', new RegExp(`^PATCH /v2/Users/${accountId}\\?attributes=`));
  // scim2-server keeps no `groups` on the User: the memberships are one filtered read of the groups.
  assert.equal(requests.length, 2, requests.join('\n'));
  assert.deepEqual(state, {
    exists: true,
    active: true,
    entitlements: GROUPS,
    openSessions: null,
    accountId,
  });
  assert.equal((await user(accountId)).active, false);
  await connector.close();
});

void test('an account at the recorded id that now names another owner is reported as theirs: its groups are kept and it is not deleted', async () => {
  const leaving = await warmConnector();
  const activities = createActivities({
    ...buildConfig({
      secrets: { TOKEN },
      applications: [
        {
          id: 'app',
          kind: 'scim',
          baseUrl: proxy.url('/v2'),
          token: { env: 'TOKEN' },
          deprovision: 'delete',
        },
      ],
      roles: [],
    }),
    connectors: new Map([['app', leaving]]),
  });
  const p = person();
  const connector = new ScimConnector(config);
  const { accountId } = await connector.ensureAccount(p);
  for (const g of GROUPS) await connector.grant({ ...p, accountId }, g);
  await raw('PATCH', `/Users/${accountId}`, {
    schemas: [PATCH_SCHEMA],
    Operations: [{ op: 'replace', path: 'externalId', value: 'E-new-owner' }],
  });
  const result = await activities.deprovisionInApp({
    appId: 'app',
    account: { ...p, accountId },
    known: GROUPS,
  });
  assert.equal(result.before.heldBy, 'E-new-owner');
  assert.deepEqual(result.revoked, []);
  assert.equal(result.deleted, false);
  assert.equal((await user(accountId)).status, 200, 'not deleted');
  for (const g of GROUPS) assert.ok((await groupMembers(g)).includes(accountId), `still in ${g}`);
  // The disable went first, addressed by the recorded id: the server's answer showed the new owner
  // only once it was applied (connectors/README.md, request economy).
  assert.equal((await user(accountId)).active, false);
  await Promise.all([connector.close(), leaving.close()]);
});

void test('a recorded id the server says is gone: the account is looked up by userName, and a re-created account of the person is disabled', async () => {
  const connector = await warmConnector();
  const p = person();
  const { accountId: old } = await connector.ensureAccount(p);
  assert.equal((await raw('DELETE', `/Users/${old}`)).status, 204);
  const { accountId: renewed } = await connector.ensureAccount(p);
  assert.notEqual(renewed, old);
  const state = await connector.disableAndRead({ ...p, accountId: old }, { everything: true });
  assert.equal(state.accountId, renewed);
  assert.equal((await user(renewed)).active, false);
  await connector.close();
});

void test('a read-back of a recorded id that is gone says so from the account request (the membership read asked beside it is dropped)', async () => {
  const connector = await warmConnector();
  const p = person();
  const { accountId } = await connector.ensureAccount(p);
  assert.equal((await raw('DELETE', `/Users/${accountId}`)).status, 204);
  let exists: boolean | undefined;
  const requests = await requestsOf(async () => {
    exists = (await connector.readState({ ...p, accountId }, { everything: true })).exists;
  });
  assert.equal(exists, false);
  assert.deepEqual(requests.sort(), [
    `GET /v2/Groups?filter=${encodeURIComponent(`members.value eq "${accountId}"`).replace(/%20/g, '+')}&attributes=displayName`,
    `GET /v2/Users/${accountId}`,
  ]);
  await connector.close();
});

void test('a server that keeps a deleted account in its groups: the first deletion finds and removes them, later ones remove them first', async () => {
  const connector = await warmConnector();
  const deleteHolding = async () => {
    const p = person();
    const { accountId } = await connector.ensureAccount(p);
    for (const g of GROUPS) await connector.grant({ ...p, accountId }, g);
    const requests = await requestsOf(() => connector.deleteAccount({ ...p, accountId }, GROUPS));
    assert.equal((await user(accountId)).status, 404);
    for (const g of GROUPS) assert.ok(!(await groupMembers(g)).includes(accountId), `no longer in ${g}`);
    return requests.map((r) => r.split(' ')[0]);
  };
  assert.deepEqual((await deleteHolding()).slice(0, 2), ['DELETE', 'GET'], 'deleted, then one group checked');
  assert.deepEqual(
    await deleteHolding(),
    ['PATCH', 'PATCH', 'DELETE'],
    'memberships first, then the account',
  );
  await connector.close();
});

void test('revoking for a recorded id whose account is gone succeeds, even where the server refuses (400) to remove a member it does not know', async () => {
  const connector = await warmConnector();
  const p = person();
  const { accountId } = await connector.ensureAccount(p);
  assert.equal((await raw('DELETE', `/Users/${accountId}`)).status, 204);
  proxy.failNext(1, 400);
  const requests = await requestsOf(() => connector.revoke({ ...p, accountId }, 'beta'));
  assert.deepEqual(
    requests.map((r) => r.replace(/\?.*$/, '').replace(/[0-9a-f]{32}/g, '<id>')),
    ['PATCH /v2/Groups/<id>', 'GET /v2/Users/<id>'],
  );
  await connector.close();
});

void test('leavers jml found rather than made read no group’s member list once one membership the filter named was confirmed', async () => {
  // A connector that has never seen a membership jml recorded: every account it meets was found.
  const connector = new ScimConnector(config);
  const found = async () => {
    const p = person();
    const { accountId } = await connector.ensureAccount(p);
    for (const g of GROUPS) await connector.grant({ ...p, accountId }, g);
    return { employeeId: p.employeeId, userName: p.userName };
  };
  const leave = async (ref: { employeeId: string; userName: string }) => {
    const before = await connector.disableAndRead(ref, { known: [], everything: true });
    assert.deepEqual(before.entitlements, GROUPS);
    const own = { ...ref, accountId: before.accountId };
    for (const g of before.entitlements) await connector.revoke(own, g);
    const after = await connector.readState(own, { known: before.entitlements, everything: true });
    assert.deepEqual(after.entitlements, []);
  };
  const memberListReads = (requests: string[]) =>
    requests.filter((r) => /^GET \/v2\/Groups\/[^?]+\?attributes=members/.test(r)).length;
  const [first, second, third] = [await found(), await found(), await found()];
  assert.equal(memberListReads(await requestsOf(() => leave(first))), 1, 'one group read, once');
  assert.equal(memberListReads(await requestsOf(() => leave(second))), 0);
  assert.equal(memberListReads(await requestsOf(() => leave(third))), 0);
  await connector.close();
});
