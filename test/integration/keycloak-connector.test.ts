// The Keycloak connector against a real Keycloak: users, groups, roles and sessions are checked
// through the master realm's administrator and by signing in as the person, never by the
// connector's replies. One server for the whole file, because Keycloak takes seconds to start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KeycloakApplicationConfig } from '../../domain/config';
import type { AccountProfile, ListedAccount } from '../../connectors/connector';
import { PermanentConnectorError, TransientConnectorError, UnverifiableError } from '../../connectors/errors';
import { KeycloakConnector } from '../../connectors/keycloak/keycloak-connector';
import { prepareRealm } from '../../scripts/lib/keycloak-realm';
import { freePort } from '../../scripts/lib/ports';
import {
  adminClient,
  refreshStatus,
  signIn,
  startKeycloakRealm,
  type KeycloakRealm,
} from '../support/keycloak';

let kc: KeycloakRealm;
let connector: KeycloakConnector;
let admin: ReturnType<typeof adminClient>;
let base: string;
const PASSWORD = 'Person-secret-1';

function configFor(
  r: KeycloakRealm,
  overrides: Partial<KeycloakApplicationConfig> = {},
): KeycloakApplicationConfig {
  return {
    id: 'sso',
    kind: 'keycloak',
    baseUrl: r.server.baseUrl,
    realm: r.realm,
    clientId: r.clientId,
    clientSecret: r.clientSecret,
    ownerAttribute: r.ownerAttribute,
    requiredActions: [],
    deprovision: 'disable',
    requestTimeout: 10_000,
    ...overrides,
  };
}

let sequence = 0;
function person(prefix: string): AccountProfile {
  sequence += 1;
  return {
    employeeId: `E${3000 + sequence}`,
    userName: `${prefix}.${sequence}`,
    email: `${prefix}.${sequence}@example.com`,
    givenName: 'Ada',
    familyName: `Tester${sequence}`,
  };
}

interface UserView {
  id: string;
  username: string;
  enabled: boolean;
  attributes?: Record<string, string[]>;
  requiredActions: string[];
}

const user = async (id: string) => (await admin('GET', `${base}/users/${id}`)) as UserView | undefined;
const groupsOf = async (id: string) =>
  ((await admin('GET', `${base}/users/${id}/groups`)) as { path: string }[]).map((g) => g.path).sort();
async function rolesOf(id: string): Promise<string[]> {
  const mappings = (await admin('GET', `${base}/users/${id}/role-mappings`)) as {
    realmMappings?: { name: string }[];
    clientMappings?: Record<string, { mappings: { name: string }[] }>;
  };
  const realm = (mappings.realmMappings ?? [])
    .map((r) => r.name)
    .filter((n) => !n.startsWith('default-roles-'));
  const clients = Object.entries(mappings.clientMappings ?? {}).flatMap(([client, m]) =>
    m.mappings.map((r) => `${client} ${r.name}`),
  );
  return [...realm, ...clients].sort();
}
const sessionsOf = async (id: string) =>
  ((await admin('GET', `${base}/users/${id}/sessions`)) as unknown[]).length;

async function offlineSessionsOf(id: string): Promise<number> {
  const [app] = (await admin('GET', `${base}/clients?clientId=${kc.loginClientId}`)) as { id: string }[];
  return ((await admin('GET', `${base}/users/${id}/offline-sessions/${app!.id}`)) as unknown[]).length;
}

/** The administrator creates a user directly, as someone other than jml would. */
async function createDirectly(userName: string, attributes: Record<string, string[]> = {}): Promise<void> {
  await admin('POST', `${base}/users`, {
    username: userName,
    email: `${userName}@elsewhere.example`,
    firstName: 'Other',
    lastName: 'Person',
    enabled: true,
    attributes,
  });
}

async function idOf(userName: string): Promise<string> {
  const found = (await admin('GET', `${base}/users?username=${userName}&exact=true`)) as { id: string }[];
  return found[0]!.id;
}

async function setPassword(id: string): Promise<void> {
  await admin('PUT', `${base}/users/${id}/reset-password`, {
    type: 'password',
    value: PASSWORD,
    temporary: false,
  });
}

before(async () => {
  kc = await startKeycloakRealm();
  console.log(`Keycloak ${kc.server.baseUrl} answered ${kc.server.startMs} ms after it was started`);
  admin = adminClient(kc.server);
  base = `/admin/realms/${kc.realm}`;
  connector = new KeycloakConnector(configFor(kc));
  await admin('POST', `${base}/groups`, { name: 'engineering' });
  await admin('POST', `${base}/groups`, { name: 'finance' });
  const [engineering] = (await admin('GET', `${base}/groups?search=engineering&exact=true`)) as {
    id: string;
  }[];
  await admin('POST', `${base}/groups/${engineering!.id}/children`, { name: 'backend' });
  await admin('POST', `${base}/roles`, { name: 'auditor' });
  await admin('POST', `${base}/clients`, {
    clientId: 'urn:reports',
    publicClient: true,
    standardFlowEnabled: false,
  });
  const [reports] = (await admin('GET', `${base}/clients?clientId=urn:reports`)) as { id: string }[];
  await admin('POST', `${base}/clients/${reports!.id}/roles`, { name: 'viewer' });
  await admin('POST', `${base}/identity-provider/instances`, {
    alias: 'corp',
    providerId: 'oidc',
    enabled: true,
    config: {
      clientId: 'corp',
      clientSecret: 'corp-secret',
      authorizationUrl: 'http://127.0.0.1:9/auth',
      tokenUrl: 'http://127.0.0.1:9/token',
    },
  });
});

after(async () => {
  await connector?.close();
  await kc?.stop();
});

void test('ensureAccount creates a user tied to the employee, then adopts it without creating another', async () => {
  const p = person('Create');
  const first = await connector.ensureAccount(p);
  assert.equal(first.created, true);
  const seen = await user(first.accountId);
  assert.equal(seen?.username, p.userName.toLowerCase());
  assert.equal(seen?.enabled, true);
  assert.deepEqual(seen?.attributes?.[kc.ownerAttribute], [p.employeeId]);
  assert.deepEqual(seen?.requiredActions, []);

  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId: first.accountId });
  const all = (await admin('GET', `${base}/users?username=${p.userName}&exact=true`)) as unknown[];
  assert.equal(all.length, 1);
  assert.deepEqual(await connector.readState(p), {
    exists: true,
    active: true,
    entitlements: [],
    openSessions: 0,
    accountId: first.accountId,
  });
});

void test('a joiner gets the configured required actions, so MFA enrolment is part of day one', async () => {
  const enrolling = new KeycloakConnector(
    configFor(kc, { requiredActions: ['CONFIGURE_TOTP', 'UPDATE_PASSWORD'] }),
  );
  const p = person('mfa');
  const { accountId } = await enrolling.ensureAccount(p);
  assert.deepEqual((await user(accountId))?.requiredActions.sort(), ['CONFIGURE_TOTP', 'UPDATE_PASSWORD']);
  await setPassword(accountId);
  await assert.rejects(signIn(kc, p.userName, PASSWORD), /not fully set up/);
});

void test('ensureAccount refuses another employee’s user and an unowned one, and never changes them', async () => {
  const other = person('other');
  const unowned = person('unowned');
  await createDirectly(other.userName, { [kc.ownerAttribute]: ['E-owner'] });
  await createDirectly(unowned.userName);
  const otherId = await idOf(other.userName);
  const unownedId = await idOf(unowned.userName);
  await admin('PUT', `${base}/users/${unownedId}/groups/${(await groupId('finance'))!}`);

  await assert.rejects(connector.ensureAccount(other), (e) => {
    assert.ok(e instanceof PermanentConnectorError);
    assert.match(e.message, /E-owner.*refusing to adopt another person's account/);
    return true;
  });
  await assert.rejects(connector.ensureAccount(unowned), PermanentConnectorError);

  const otherState = await connector.readState(other);
  assert.equal(otherState.heldBy, 'E-owner');
  assert.equal(otherState.exists, false);
  await assert.rejects(connector.grant(other, 'finance'), PermanentConnectorError);
  await connector.disable(other);
  assert.equal(await connector.terminateSessions(other), 0);
  await connector.delete(other);
  assert.equal((await user(otherId))?.enabled, true);
  assert.deepEqual(await groupsOf(otherId), []);

  assert.match(
    (await connector.readState(unowned)).unverifiable ?? '',
    /without the jmlEmployeeId attribute/,
  );
  await assert.rejects(connector.disable(unowned), UnverifiableError);
  await assert.rejects(connector.revoke(unowned, 'finance'), UnverifiableError);
  await assert.rejects(connector.delete(unowned), UnverifiableError);
  assert.equal((await user(unownedId))?.enabled, true);
  assert.deepEqual(await groupsOf(unownedId), ['/finance']);
});

async function groupId(name: string): Promise<string | undefined> {
  const found = (await admin('GET', `${base}/groups?search=${name}&exact=true`)) as {
    id: string;
    name: string;
  }[];
  return found.find((g) => g.name === name)?.id;
}

void test('groups (by path), realm roles and client roles are granted and revoked idempotently', async () => {
  const p = person('grant');
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  await connector.grant(ref, 'engineering');
  await connector.grant(ref, '/engineering');
  await connector.grant(ref, 'engineering/backend');
  await connector.grant(ref, 'role:auditor');
  await connector.grant(ref, 'role:auditor');
  await connector.grant(ref, 'client:urn:reports:viewer');
  await connector.grant(ref, 'client:urn:reports:viewer');
  assert.deepEqual(await groupsOf(accountId), ['/engineering', '/engineering/backend']);
  assert.deepEqual(await rolesOf(accountId), ['auditor', 'urn:reports viewer']);
  assert.deepEqual((await connector.readState(ref)).entitlements, [
    'client:urn:reports:viewer',
    'engineering',
    'engineering/backend',
    'role:auditor',
  ]);

  await connector.revoke(ref, 'engineering');
  await connector.revoke(ref, 'engineering');
  await connector.revoke(ref, 'role:auditor');
  await connector.revoke(ref, 'role:auditor');
  await connector.revoke(ref, 'no-such-group');
  await connector.revoke(ref, 'role:no-such-role');
  await connector.revoke(ref, 'client:urn:reports:viewer');
  await connector.revoke(ref, 'client:urn:reports:viewer');
  await connector.revoke(ref, 'client:no-such-client:viewer');
  assert.deepEqual(await groupsOf(accountId), ['/engineering/backend']);
  assert.deepEqual(await rolesOf(accountId), []);
  assert.deepEqual((await connector.readState(ref)).entitlements, ['engineering/backend']);
});

void test('granting a group or role that does not exist fails permanently and names it', async () => {
  const p = person('missing');
  await connector.ensureAccount(p);
  await assert.rejects(connector.grant(p, 'no-such-group'), /group "no-such-group" does not exist/);
  await assert.rejects(connector.grant(p, 'role:no-such-role'), /realm role "no-such-role" does not exist/);
  await assert.rejects(
    connector.grant(p, 'client:urn:reports:no-such-role'),
    /client "urn:reports" or its role "no-such-role" does not exist/,
  );
  await assert.rejects(
    connector.grant(p, 'client:no-role-named'),
    /is not a group path, role:<name> or client:<clientId>:<role>/,
  );
});

void test('disable refuses the person’s next sign-in; a rehire’s ensureAccount enables them again', async () => {
  const p = person('disable');
  const { accountId } = await connector.ensureAccount(p);
  await setPassword(accountId);
  await signIn(kc, p.userName, PASSWORD);

  await connector.disable({ ...p, accountId });
  await connector.disable({ ...p, accountId });
  assert.equal((await user(accountId))?.enabled, false);
  assert.deepEqual((await user(accountId))?.attributes?.[kc.ownerAttribute], [p.employeeId]);
  assert.equal((await connector.readState(p)).active, false);
  await assert.rejects(signIn(kc, p.userName, PASSWORD), /disabled/i);

  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId });
  assert.equal((await user(accountId))?.enabled, true);
  await signIn(kc, p.userName, PASSWORD);
});

void test('terminateSessions ends user and offline sessions; the read-back shows none and no token refreshes', async () => {
  const p = person('sessions');
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  await setPassword(accountId);
  const online = await signIn(kc, p.userName, PASSWORD);
  const offline = await signIn(kc, p.userName, PASSWORD, 'openid offline_access');
  assert.equal(await sessionsOf(accountId), 2);
  assert.equal(await offlineSessionsOf(accountId), 1);
  assert.equal((await connector.readState(ref)).openSessions, 3);

  await connector.disable(ref);
  assert.equal(await connector.terminateSessions(ref), 3);
  assert.equal(await sessionsOf(accountId), 0);
  assert.equal(await offlineSessionsOf(accountId), 0);
  assert.equal((await connector.readState(ref)).openSessions, 0);
  assert.equal(await refreshStatus(kc, online.refresh_token), 400);
  assert.equal(await refreshStatus(kc, offline.refresh_token), 400);
  assert.equal(await connector.terminateSessions(ref), 0);
});

void test('delete removes identity-provider links and credentials, then the user', async () => {
  const p = person('delete');
  const { accountId } = await connector.ensureAccount(p);
  await setPassword(accountId);
  await admin('POST', `${base}/users/${accountId}/federated-identity/corp`, {
    identityProvider: 'corp',
    userId: 'corp-123',
    userName: p.userName,
  });
  const [credential] = (await admin('GET', `${base}/users/${accountId}/credentials`)) as { id: string }[];
  assert.ok(credential);

  await connector.delete({ ...p, accountId });
  assert.equal(await user(accountId), undefined);
  const events = (await admin('GET', `${base}/admin-events?max=200`)) as {
    resourcePath: string;
    operationType: string;
  }[];
  const paths = events.map((e) => `${e.operationType} ${e.resourcePath}`);
  assert.ok(paths.includes(`DELETE users/${accountId}/federated-identity/corp`), paths.join('\n'));
  assert.ok(
    paths.some((x) => x.endsWith(`users/${accountId}/credentials/${credential.id}`)),
    paths.join('\n'),
  );
  assert.ok(paths.includes(`DELETE users/${accountId}`), paths.join('\n'));
  assert.deepEqual(await connector.readState({ ...p, accountId }), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: 0,
  });
  await connector.delete({ ...p, accountId });
});

void test('a realm that does not keep the owner attribute gets no unowned user, and says what to fix', async () => {
  const undeclared = new KeycloakConnector(configFor(kc, { ownerAttribute: 'notDeclared' }));
  const p = person('undeclared');
  await assert.rejects(undeclared.ensureAccount(p), /does not keep the user attribute "notDeclared"/);
  assert.deepEqual(await admin('GET', `${base}/users?username=${p.userName}&exact=true`), []);
});

void test('a wrong client secret is permanent; connection refused is transient', async () => {
  const wrong = new KeycloakConnector(configFor(kc, { clientSecret: 'wrong' }));
  await assert.rejects(wrong.readState(person('wrong')), (e) => {
    assert.ok(e instanceof PermanentConnectorError);
    assert.match(e.message, /401/);
    return true;
  });
  const closed = new KeycloakConnector(configFor(kc, { baseUrl: `http://127.0.0.1:${await freePort()}` }));
  await assert.rejects(closed.readState(person('refused')), TransientConnectorError);
});

void test('the service-account token is reused until shortly before it expires, then renewed', async () => {
  const [jml] = (await admin('GET', `${base}/clients?clientId=${kc.clientId}`)) as {
    id: string;
    attributes?: Record<string, string>;
  }[];
  // A 4-second token: renewed after half its life, so the test waits only a few seconds.
  await admin('PUT', `${base}/clients/${jml!.id}`, {
    ...jml,
    attributes: { ...jml!.attributes, 'access.token.lifespan': '4' },
  });
  await admin('PUT', base, { eventsEnabled: true, enabledEventTypes: ['CLIENT_LOGIN'] });
  const tokenRequests = async () =>
    ((await admin('GET', `${base}/events?type=CLIENT_LOGIN&client=${kc.clientId}&max=1000`)) as unknown[])
      .length;
  try {
    const fresh = new KeycloakConnector(configFor(kc));
    const before = await tokenRequests();
    const p = person('token');
    await Promise.all([fresh.readState(p), fresh.readState(p), fresh.readState(p)]);
    await fresh.readState(p);
    assert.equal((await tokenRequests()) - before, 1, 'one token for every call while it is fresh');
    await new Promise((r) => setTimeout(r, 2_500));
    await fresh.readState(p);
    assert.equal((await tokenRequests()) - before, 2, 'a new token once the old one is near its expiry');
  } finally {
    await admin('PUT', `${base}/clients/${jml!.id}`, jml);
  }
});

void test('listAccounts pages through every user of the realm once, with owner, enabled state, groups and roles', async () => {
  // A realm of its own, so the listing is compared with everything in it.
  const realm = { ...kc, ...(await prepareRealm(kc.server, { realm: 'jml-listing' })) };
  const at = `/admin/realms/${realm.realm}`;
  const lister = new KeycloakConnector(configFor(realm));
  try {
    await admin('POST', `${at}/groups`, { name: 'staff' });
    const [staff] = (await admin('GET', `${at}/groups?search=staff&exact=true`)) as { id: string }[];
    await admin('POST', `${at}/groups/${staff!.id}/children`, { name: 'night' });
    await admin('POST', `${at}/roles`, { name: 'auditor' });
    const create = async (username: string, owner?: string, enabled = true) => {
      await admin('POST', `${at}/users`, {
        username,
        email: `${username}@elsewhere.example`,
        firstName: 'Listed',
        lastName: 'Person',
        enabled,
        attributes: owner ? { [realm.ownerAttribute]: [owner] } : {},
      });
      const [found] = (await admin('GET', `${at}/users?username=${username}&exact=true`)) as { id: string }[];
      return found!.id;
    };
    const owned = await create('list.owned', 'E3901');
    const unowned = await create('list.unowned');
    const disabled = await create('list.disabled', 'E3902', false);
    const fillers = ['list.f1', 'list.f2', 'list.f3', 'list.f4', 'list.f5'];
    for (const [i, name] of fillers.entries()) await create(name, `E391${i}`);
    const [night] = (await admin('GET', `${at}/groups/${staff!.id}/children`)) as { id: string }[];
    await admin('PUT', `${at}/users/${owned}/groups/${staff!.id}`);
    await admin('PUT', `${at}/users/${owned}/groups/${night!.id}`);
    const auditor = await admin('GET', `${at}/roles/auditor`);
    await admin('POST', `${at}/users/${owned}/role-mappings/realm`, [auditor]);
    await admin('PUT', `${at}/users/${unowned}/groups/${staff!.id}`);

    const listed: ListedAccount[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await lister.listAccounts({ cursor, pageSize: 3 });
      assert.equal(page.unverifiable, undefined);
      assert.ok(page.accounts.length <= 3);
      listed.push(...page.accounts);
      cursor = page.next;
      pages += 1;
    } while (cursor);
    assert.equal(pages, 3);

    const everyone = (await admin('GET', `${at}/users?max=1000`)) as { id: string }[];
    assert.deepEqual(listed.map((a) => a.accountId).sort(), everyone.map((u) => u.id).sort());
    assert.equal(new Set(listed.map((a) => a.accountId)).size, listed.length, 'each user once');
    const find = (id: string) => listed.find((a) => a.accountId === id);
    assert.deepEqual(find(owned), {
      accountId: owned,
      userName: 'list.owned',
      ownerId: 'E3901',
      active: true,
      entitlements: ['role:auditor', 'staff', 'staff/night'],
    });
    assert.deepEqual(find(unowned), {
      accountId: unowned,
      userName: 'list.unowned',
      active: true,
      entitlements: ['staff'],
    });
    assert.deepEqual(find(disabled), {
      accountId: disabled,
      userName: 'list.disabled',
      ownerId: 'E3902',
      active: false,
      entitlements: [],
    });

    // A user created between two pages moves the offsets: the page that notices says so.
    const first = await lister.listAccounts({ pageSize: 3 });
    await create('list.a-late', 'E3920');
    const second = await lister.listAccounts({ cursor: first.next, pageSize: 3 });
    assert.match(second.unverifiable ?? '', /went from 8 to 9 while they were listed/);

    // A page Keycloak refuses ends the listing there, and says why.
    const refused = new KeycloakConnector(configFor({ ...realm, clientSecret: 'wrong' }));
    const page = await refused.listAccounts({ pageSize: 3 });
    assert.deepEqual(page.accounts, []);
    assert.equal(page.next, undefined);
    assert.match(
      page.unverifiable ?? '',
      /token endpoint answered 401.*was refused, so the listing stops after 0 users/,
    );
  } finally {
    await lister.close();
    await admin('DELETE', `/admin/realms/${realm.realm}`);
  }
});
