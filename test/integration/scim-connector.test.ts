// The SCIM connector against a real scim2-server, with a fault-injecting proxy for 429/5xx/outages.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ScimApplicationConfig } from '../../domain/config';
import { RESENDS_AFTER_WAIT } from '../../connectors/request-limiter';
import type { AccountProfile } from '../../connectors/connector';
import { PermanentConnectorError, TransientConnectorError } from '../../connectors/errors';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import { ScimRequestError } from '../../connectors/scim/scim-http';
import { freePort } from '../../scripts/lib/ports';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const TOKEN = 'scim-test-token';

let server: ScimServer;
let connector: ScimConnector;

function configFor(baseUrl: string, overrides: Partial<ScimApplicationConfig> = {}): ScimApplicationConfig {
  return {
    id: 'crm',
    kind: 'scim',
    baseUrl,
    token: TOKEN,
    deprovision: 'disable',
    requestTimeout: 5_000,
    ownerAttribute: 'externalId',
    memberships: 'auto',
    ...overrides,
  };
}

let sequence = 0;
function person(prefix: string): AccountProfile {
  sequence += 1;
  return {
    employeeId: `E${2000 + sequence}`,
    userName: `${prefix}.${sequence}@jml-test`,
    email: `${prefix}.${sequence}@example.com`,
    givenName: 'Grace',
    familyName: `Tester${sequence}`,
  };
}

/** A request straight to the server, bypassing the connector: the independent view of the truth. */
async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/scim+json',
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

interface RawUser {
  id: string;
  userName: string;
  externalId?: string;
  active?: boolean;
}

interface RawGroup {
  id: string;
  displayName: string;
  members?: { value: string }[];
}

async function rawList<T>(resource: 'Users' | 'Groups', filter: string): Promise<T[]> {
  const query = new URLSearchParams({ filter });
  const { status, body } = await raw('GET', `/${resource}?${query.toString()}`);
  assert.equal(status, 200);
  return (body as { Resources?: T[] }).Resources ?? [];
}

async function usersNamed(userName: string): Promise<RawUser[]> {
  return rawList<RawUser>('Users', `userName eq ${JSON.stringify(userName)}`);
}

async function onlyUser(userName: string): Promise<RawUser> {
  const users = await usersNamed(userName);
  assert.equal(users.length, 1, `exactly one user "${userName}"`);
  return users[0]!;
}

/** Member ids of a group, read by GET /Groups/{id}. */
async function groupMembers(displayName: string): Promise<string[]> {
  const [found] = await rawList<RawGroup>('Groups', `displayName eq ${JSON.stringify(displayName)}`);
  assert.ok(found, `group "${displayName}" exists`);
  const { status, body } = await raw('GET', `/Groups/${encodeURIComponent(found.id)}`);
  assert.equal(status, 200);
  return ((body as RawGroup).members ?? []).map((m) => m.value);
}

async function rawCreateUser(user: Record<string, unknown>): Promise<RawUser> {
  const { status, body } = await raw('POST', '/Users', { schemas: [USER_SCHEMA], ...user });
  assert.equal(status, 201, JSON.stringify(body));
  return body as RawUser;
}

function isPermanent(pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(
      error instanceof PermanentConnectorError,
      `expected PermanentConnectorError, got ${String(error)}`,
    );
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

function isTransient(check: (error: TransientConnectorError) => void = () => undefined) {
  return (error: unknown) => {
    assert.ok(
      error instanceof TransientConnectorError,
      `expected TransientConnectorError, got ${String(error)}`,
    );
    check(error);
    return true;
  };
}

before(async () => {
  server = await startScimServer({ token: TOKEN });
  await createScimGroups(server, ['engineering', 'finance', 'sales']);
  connector = new ScimConnector(configFor(server.baseUrl));
});

after(async () => {
  await connector?.close();
  await server?.stop();
});

void test('ensureAccount creates the user, then adopts it without creating another', async () => {
  const p = person('create');
  const first = await connector.ensureAccount(p);
  const user = await onlyUser(p.userName);
  assert.deepEqual(first, { created: true, accountId: user.id });
  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId: user.id });

  assert.equal(user.externalId, p.employeeId);
  assert.notEqual(user.active, false);
  assert.deepEqual(await connector.readState(p), {
    exists: true,
    active: true,
    entitlements: [],
    openSessions: null,
    accountId: user.id,
  });
});

void test('two concurrent ensureAccount calls for one person both succeed and leave one user', async () => {
  const p = person('race');
  const results = await Promise.all([connector.ensureAccount(p), connector.ensureAccount(p)]);
  assert.ok(
    results.some((r) => r.created),
    'one of them created it',
  );
  await onlyUser(p.userName);
  assert.equal((await connector.readState(p)).active, true);
});

void test('ensureAccount refuses to adopt a user that belongs to another employee', async () => {
  const p = person('owned');
  await rawCreateUser({ userName: p.userName, externalId: 'E-someone-else', active: true });
  await assert.rejects(connector.ensureAccount(p), isPermanent(/belongs to another employee/));
  assert.equal((await onlyUser(p.userName)).externalId, 'E-someone-else', 'left untouched');
});

void test('ensureAccount re-activates an adopted user that was deactivated', async () => {
  const p = person('rehire');
  await rawCreateUser({ userName: p.userName, externalId: p.employeeId, active: false });
  assert.equal((await connector.readState(p)).active, false);

  assert.equal((await connector.ensureAccount(p)).created, false);
  assert.equal((await connector.readState(p)).active, true);
  assert.equal((await onlyUser(p.userName)).active, true);
});

void test("an account without an externalId is not provably anyone's: never adopted, changed or read as clean", async () => {
  const p = person('unowned');
  const stranger = await rawCreateUser({ userName: p.userName, active: true });
  await raw('PATCH', `/Groups/${(await rawList<RawGroup>('Groups', 'displayName eq "finance"'))[0]!.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'add', path: 'members', value: [{ value: stranger.id }] }],
  });
  await assert.rejects(connector.ensureAccount(p), isPermanent(/without externalId/));
  const state = await connector.readState(p);
  assert.match(state.unverifiable ?? '', /cannot show it is E\d+'s/);
  await assert.rejects(connector.disable(p), isPermanent(/without externalId/));
  await assert.rejects(connector.revoke(p, 'finance'), isPermanent(/without externalId/));
  const after = await onlyUser(p.userName);
  assert.equal(after.externalId, undefined, 'no owner was claimed');
  assert.notEqual(after.active, false, 'not disabled');
  assert.ok((await groupMembers('finance')).includes(stranger.id), 'membership untouched');
});

void test('grant twice is idempotent: the group holds the user once', async () => {
  const p = person('grant');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'finance');

  const { id } = await onlyUser(p.userName);
  assert.equal((await groupMembers('engineering')).filter((m) => m === id).length, 1);
  assert.deepEqual((await connector.readState(p, { known: ['engineering'] })).entitlements, [
    'engineering',
    'finance',
  ]);
});

void test('revoke removes the membership, and revoking it again succeeds', async () => {
  const p = person('revoke');
  await connector.ensureAccount(p);
  await connector.grant(p, 'sales');
  await connector.revoke(p, 'sales');
  await connector.revoke(p, 'sales');
  const { id } = await onlyUser(p.userName);
  assert.ok(!(await groupMembers('sales')).includes(id));
  assert.deepEqual((await connector.readState(p)).entitlements, []);
});

void test('revoking an absent membership, from an unknown group or for an unknown user succeeds', async () => {
  const p = person('revoke-absent');
  await connector.ensureAccount(p);
  await connector.revoke(p, 'finance');
  await connector.revoke(p, 'no-such-group');
  await connector.revoke(person('nobody'), 'finance');
  assert.deepEqual((await connector.readState(p)).entitlements, []);
});

void test('grant to an unknown group fails permanently and names the group', async () => {
  const p = person('nogroup');
  await connector.ensureAccount(p);
  await assert.rejects(connector.grant(p, 'does-not-exist'), isPermanent(/does-not-exist/));
});

void test('grant to a missing account fails permanently', async () => {
  await assert.rejects(connector.grant(person('ghost'), 'finance'), isPermanent());
});

void test('disable deactivates the user, and disabling again succeeds', async () => {
  const p = person('leaver');
  await connector.ensureAccount(p);
  await connector.grant(p, 'finance');

  await connector.disable(p);
  await connector.disable(p);

  const state = await connector.readState(p);
  assert.equal(state.exists, true);
  assert.equal(state.active, false);
  assert.deepEqual(state.entitlements, ['finance'], 'disable alone does not revoke');
  const { id } = await onlyUser(p.userName);
  const { body } = await raw('GET', `/Users/${encodeURIComponent(id)}`);
  assert.equal((body as RawUser).active, false);
});

void test('disable of a missing account succeeds', async () => {
  await connector.disable(person('ghost'));
});

void test('delete removes the user and its group memberships; deleting again succeeds', async () => {
  const p = person('deleted');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'finance');
  const { id } = await onlyUser(p.userName);

  await connector.delete(p);
  await connector.delete(p);

  assert.deepEqual(await usersNamed(p.userName), []);
  assert.equal((await raw('GET', `/Users/${encodeURIComponent(id)}`)).status, 404);
  assert.ok(!(await groupMembers('engineering')).includes(id));
  assert.ok(!(await groupMembers('finance')).includes(id));
  assert.deepEqual(await connector.readState(p), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
});

void test('an account that belongs to another employee is read as held by them, and never changed', async () => {
  const p = person('theirs');
  const other = await rawCreateUser({ userName: p.userName, externalId: 'E-owner', active: true });
  const state = await connector.readState(p);
  assert.equal(state.heldBy, 'E-owner');
  assert.equal(state.exists, false);
  await connector.disable(p);
  await connector.revoke(p, 'finance');
  await connector.delete(p);
  await assert.rejects(connector.grant(p, 'finance'), isPermanent());
  const { body } = await raw('GET', `/Users/${encodeURIComponent(other.id)}`);
  assert.notEqual((body as RawUser).active, false, 'still active');
});

void test('an account addressed by the id jml recorded is found even after its userName changed', async () => {
  const p = person('renamed');
  const { accountId } = await connector.ensureAccount(p);
  await raw('PATCH', `/Users/${encodeURIComponent(accountId)}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'userName', value: `${p.userName}.new` }],
  });
  await connector.disable({ ...p, accountId });
  const state = await connector.readState({ ...p, accountId });
  assert.equal(state.exists, true);
  assert.equal(state.active, false);
  assert.equal(state.accountId, accountId);
});

void test('readState of an unknown user says it does not exist', async () => {
  assert.deepEqual(await connector.readState(person('unknown')), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
});

void test('a double quote in a filter value is escaped, not a syntax error', async () => {
  assert.deepEqual(await connector.readState({ employeeId: 'x', userName: 'we"ird' }), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
  // A user the HR schema would never produce, created behind the connector's back: found only if the
  // quote is escaped exactly as the server unescapes it.
  const userName = `we"ird.${(sequence += 1)}`;
  await rawCreateUser({ userName, externalId: 'E-quote', active: true });
  assert.equal((await connector.readState({ employeeId: 'E-quote', userName })).exists, true);
});

void test('terminateSessions ends nothing: SCIM has no sessions', async () => {
  assert.equal(await connector.terminateSessions(), 0);
});

void test('a wrong token is permanent', async () => {
  const wrong = new ScimConnector({ ...configFor(server.baseUrl), token: 'not-the-token' });
  await assert.rejects(wrong.readState(person('badtoken')), isPermanent(/401/));
});

void test('connection refused is transient', async () => {
  const closed = new ScimConnector(configFor(`http://127.0.0.1:${await freePort()}/v2`));
  await assert.rejects(closed.readState(person('refused')), isTransient());
});

void describe('through a fault-injecting proxy', () => {
  let proxy: FaultProxy;
  let proxied: ScimConnector;

  before(async () => {
    proxy = await startFaultProxy(server.port);
    proxied = new ScimConnector(configFor(proxy.url('/v2')));
  });

  after(async () => {
    await proxy?.stop();
  });

  void test('requests pass through to the real server', async () => {
    const p = person('proxied');
    const seen = proxy.requests;
    assert.equal((await proxied.ensureAccount(p)).created, true);
    assert.ok(proxy.requests > seen);
    await onlyUser(p.userName);
    assert.equal((await proxied.readState(p)).exists, true);
  });

  void test('429 with Retry-After: the request is sent again after the wait, and past a few the call fails transient with the delay', async () => {
    const p = person('throttled');
    proxy.failNext(1, 429, { 'retry-after': '1' });
    let seen = proxy.requests;
    const started = Date.now();
    assert.equal((await proxied.readState(p)).exists, false, 'the call goes on after the wait');
    assert.ok(Date.now() - started >= 1_000, 'it waited the second the application asked for');
    assert.equal(proxy.requests - seen, 2, 'the refused request, then the same request again');
    proxy.failNext(RESENDS_AFTER_WAIT + 1, 429, { 'retry-after': '1' });
    seen = proxy.requests;
    await assert.rejects(
      proxied.readState(p),
      isTransient((error) => {
        assert.equal(error.retryAfterMs, 1_000);
        assert.match(error.message, /429/);
      }),
    );
    assert.equal(proxy.requests - seen, RESENDS_AFTER_WAIT + 1);
    assert.equal((await proxied.readState(p)).exists, false, 'the next call passes through');
  });

  void test('503 is transient, and the same call succeeds once the faults are used up', async () => {
    const p = person('unavailable');
    await connector.ensureAccount(p);
    proxy.failNext(2, 503);
    await assert.rejects(
      proxied.grant(p, 'engineering'),
      isTransient((error) => {
        assert.equal(error.retryAfterMs, undefined);
        assert.match(error.message, /503/);
      }),
    );
    await assert.rejects(proxied.grant(p, 'engineering'), isTransient());
    const seen = proxy.requests;
    await proxied.grant(p, 'engineering');
    assert.ok(proxy.requests > seen);
    assert.deepEqual((await connector.readState(p)).entitlements, ['engineering']);
  });

  void test('501 is permanent: a request the server does not implement is never retried blindly', async () => {
    const p = person('not-implemented');
    const { accountId } = await connector.ensureAccount(p);
    await proxied.readState({ ...p, accountId });
    proxy.failNext(1, 501);
    await assert.rejects(proxied.disable({ ...p, accountId }), (error: unknown) => {
      assert.ok(error instanceof ScimRequestError && error.status === 501, String(error));
      return true;
    });
  });

  void test('412 is transient: the resource changed since it was read', async () => {
    const p = person('precondition');
    const { accountId } = await connector.ensureAccount(p);
    await proxied.readState({ ...p, accountId });
    proxy.failNext(1, 412);
    await assert.rejects(proxied.disable({ ...p, accountId }), isTransient());
  });

  void test('a userName filter answered with 400 is replaced by a scan that still finds the account', async () => {
    const p = person('scanned');
    await connector.ensureAccount(p);
    const fresh = new ScimConnector(configFor(proxy.url('/v2')));
    assert.equal((await fresh.readState(person('warm-up'))).exists, false);
    proxy.failNext(1, 400);
    const state = await fresh.readState(p);
    assert.equal(state.exists, true);
    assert.equal(state.accountId, (await onlyUser(p.userName)).id);
  });

  void test('a proxy that goes down gives transient errors, and calls work again once it is back', async () => {
    const p = person('outage');
    await proxy.goDown();
    try {
      await assert.rejects(proxied.readState(p), isTransient());
    } finally {
      await proxy.comeUp();
    }
    assert.equal((await proxied.readState(p)).exists, false);
  });
});
