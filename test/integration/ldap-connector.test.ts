// The LDAP connector against a real slapd with the ppolicy and memberof overlays.
import { test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Attribute, Change, Client, EqualityFilter, InvalidCredentialsError } from 'ldapts';
import type { LdapApplicationConfig } from '../../domain/config';
import type { AccountProfile } from '../../connectors/connector';
import { PermanentConnectorError, TransientConnectorError } from '../../connectors/errors';
import { escapeDnValue, GROUP_PLACEHOLDER_MEMBER, LdapConnector } from '../../connectors/ldap/ldap-connector';
import { freePort } from '../../scripts/lib/ports';
import { asAdmin, createGroups, startSlapd, type SlapdServer } from '../support/slapd';

let server: SlapdServer;
let connector: LdapConnector;

function configFor(s: SlapdServer, overrides: Partial<LdapApplicationConfig> = {}): LdapApplicationConfig {
  return {
    id: 'directory',
    kind: 'ldap',
    url: s.url,
    bindDn: s.bindDn,
    bindPassword: s.bindPassword,
    usersDn: s.usersDn,
    groupsDn: s.groupsDn,
    deprovision: 'disable',
    requestTimeout: 5_000,
    flavor: 'openldap',
    ...overrides,
  };
}

let sequence = 0;
function person(prefix: string): AccountProfile {
  sequence += 1;
  return {
    employeeId: `E${1000 + sequence}`,
    userName: `${prefix}.${sequence}@jml-test`,
    email: `${prefix}.${sequence}@example.com`,
    givenName: 'Ada',
    familyName: `Tester${sequence}`,
  };
}

const userDn = (userName: string) => `uid=${userName},${server.usersDn}`;

async function members(groupCn: string): Promise<string[]> {
  return asAdmin(server, async (client) => {
    const { searchEntries } = await client.search(`cn=${groupCn},${server.groupsDn}`, {
      scope: 'base',
      attributes: ['member'],
    });
    const value = searchEntries[0]?.member ?? [];
    return (Array.isArray(value) ? value : [value]).map(String);
  });
}

async function bindAs(dn: string, password: string): Promise<void> {
  const client = new Client({ url: server.url, timeout: 5_000, connectTimeout: 5_000 });
  try {
    await client.bind(dn, password);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

before(async () => {
  server = await startSlapd();
  connector = new LdapConnector(configFor(server));
  await createGroups(server, ['engineering', 'finance', 'solo', 'R&D, Europe', '#ops+on-call ']);
});

after(async () => {
  await connector?.close();
  await server?.stop();
});

void test('ensureAccount creates the entry, then adopts it without creating another', async () => {
  const p = person('create');
  const dn = userDn(p.userName);
  assert.deepEqual(await connector.ensureAccount(p), { created: true, accountId: dn });
  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId: dn });

  const entries = await asAdmin(server, (client) =>
    client.search(server.usersDn, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: 'uid', value: p.userName }),
      attributes: ['employeeNumber', 'cn', 'mail'],
    }),
  );
  assert.equal(entries.searchEntries.length, 1);
  assert.equal(entries.searchEntries[0]?.employeeNumber, p.employeeId);
  assert.equal(entries.searchEntries[0]?.cn, `Ada ${p.familyName}`);
  assert.deepEqual(await connector.readState(p), {
    exists: true,
    active: true,
    entitlements: [],
    openSessions: null,
    accountId: dn,
  });
});

void test('ensureAccount refuses to adopt an entry that belongs to another employee', async () => {
  const p = person('owned');
  await connector.ensureAccount(p);
  await assert.rejects(connector.ensureAccount({ ...p, employeeId: 'E-someone-else' }), (error: unknown) => {
    assert.ok(error instanceof PermanentConnectorError);
    assert.match(error.message, /refusing to adopt/);
    return true;
  });
});

void test('ensureAccount unlocks an adopted account that was disabled', async () => {
  const p = person('rehire');
  await connector.ensureAccount(p);
  await connector.disable(p);
  assert.equal((await connector.readState(p)).active, false);
  assert.equal((await connector.ensureAccount(p)).created, false);
  assert.equal((await connector.readState(p)).active, true);
});

void test('grant twice is idempotent', async () => {
  const p = person('grant');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'R&D, Europe');
  assert.deepEqual((await connector.readState(p)).entitlements, ['R&D, Europe', 'engineering']);
  assert.equal((await members('engineering')).filter((m) => m === userDn(p.userName)).length, 1);
});

void test('DN values are escaped per RFC 4514', async () => {
  assert.equal(escapeDnValue('a.b@c-d'), 'a.b@c-d');
  assert.equal(escapeDnValue('R&D, Europe'), 'R&D\\, Europe');
  assert.equal(escapeDnValue('#x=y+z;"<>" '), '\\#x\\=y\\+z\\;\\"\\<\\>\\"\\ ');
  assert.equal(escapeDnValue(' '), '\\ ');

  const p = person('escaped');
  await connector.ensureAccount(p);
  await connector.grant(p, '#ops+on-call ');
  assert.deepEqual((await connector.readState(p)).entitlements, ['#ops+on-call ']);
  await connector.revoke(p, '#ops+on-call ');
  assert.deepEqual((await connector.readState(p)).entitlements, []);
});

void test('revoking an absent membership or from an absent group succeeds', async () => {
  const p = person('revoke');
  await connector.ensureAccount(p);
  await connector.revoke(p, 'finance');
  await connector.revoke(p, 'no-such-group');
  assert.deepEqual((await connector.readState(p)).entitlements, []);
});

void test('revoking the last member leaves only the placeholder, which is nobody’s entitlement', async () => {
  const p = person('solo');
  await connector.ensureAccount(p);
  await connector.grant(p, 'solo');
  assert.deepEqual(await members('solo'), [userDn(p.userName)], 'grant removes the placeholder');

  await connector.revoke(p, 'solo');
  await connector.revoke(p, 'solo');
  assert.deepEqual(await members('solo'), [GROUP_PLACEHOLDER_MEMBER]);
  assert.deepEqual((await connector.readState(p)).entitlements, []);

  await connector.grant(p, 'solo');
  assert.deepEqual((await connector.readState(p)).entitlements, ['solo']);
  await connector.revoke(p, 'solo');
});

void test('disable locks the account: readState says inactive and a password bind is refused', async () => {
  const p = person('leaver');
  const password = 'correct horse battery staple';
  await connector.ensureAccount(p);
  await asAdmin(server, (client) =>
    client.modify(userDn(p.userName), [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'userPassword', values: [password] }),
      }),
    ]),
  );
  await bindAs(userDn(p.userName), password);

  await connector.disable(p);
  await connector.disable(p);

  assert.equal((await connector.readState(p)).active, false);
  await assert.rejects(bindAs(userDn(p.userName), password), InvalidCredentialsError);
});

void test('disable of a missing account succeeds', async () => {
  await connector.disable(person('ghost'));
});

void test('delete removes the entry and every group membership', async () => {
  const p = person('deleted');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'finance');

  await connector.delete(p);

  assert.deepEqual(await connector.readState(p), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
  assert.ok(!(await members('engineering')).includes(userDn(p.userName)));
  assert.ok(!(await members('finance')).includes(userDn(p.userName)));
});

void test('delete of a missing account succeeds', async () => {
  await connector.delete(person('never-existed'));
});

void test('readState of an unknown user says it does not exist', async () => {
  assert.deepEqual(await connector.readState(person('unknown')), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
});

void test('grant to an unknown group fails permanently and names the group', async () => {
  const p = person('nogroup');
  await connector.ensureAccount(p);
  await assert.rejects(connector.grant(p, 'does-not-exist'), (error: unknown) => {
    assert.ok(error instanceof PermanentConnectorError);
    assert.match(error.message, /does-not-exist/);
    return true;
  });
});

void test('concurrent calls on a fresh connector share one bound connection', async () => {
  const fresh = new LdapConnector(configFor(server));
  const binds = mock.method(Client.prototype, 'bind');
  try {
    const people = [person('parallel'), person('parallel'), person('parallel')];
    await Promise.all(people.map((p) => fresh.ensureAccount(p)));
    await Promise.all(people.map((p) => fresh.grant(p, 'finance')));
    const states = await Promise.all(people.map((p) => fresh.readState(p)));
    assert.ok(states.every((s) => s.exists && s.active && s.entitlements.includes('finance')));
    assert.equal(binds.mock.callCount(), 1);
  } finally {
    binds.mock.restore();
    await fresh.close();
  }
});

void test('connection refused is transient', async () => {
  const closed = new LdapConnector(configFor(server, { url: `ldap://127.0.0.1:${await freePort()}/` }));
  try {
    await assert.rejects(closed.readState(person('refused')), TransientConnectorError);
  } finally {
    await closed.close();
  }
});

void test('a server that accepts the connection but never answers times out as transient', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const hung = new LdapConnector(
    configFor(server, { url: `ldap://127.0.0.1:${port}/`, requestTimeout: 300 }),
  );
  try {
    await assert.rejects(hung.readState(person('hung')), (error: unknown) => {
      assert.ok(error instanceof TransientConnectorError);
      assert.match(error.message, /timed out/);
      return true;
    });
  } finally {
    await hung.close();
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  }
});

void test('a wrong bind password is permanent', async () => {
  const wrong = new LdapConnector(configFor(server, { bindPassword: 'not-the-password' }));
  try {
    await assert.rejects(wrong.readState(person('badcreds')), (error: unknown) => {
      assert.ok(error instanceof PermanentConnectorError);
      assert.match(error.message, /Code: 0x31/);
      return true;
    });
  } finally {
    await wrong.close();
  }
});

/** An entry made behind the connector's back, as an administrator (or another tool) would. */
async function addEntryByHand(p: AccountProfile, employeeNumber: string | undefined): Promise<string> {
  const dn = userDn(p.userName);
  await asAdmin(server, async (client) => {
    await client.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
      uid: [p.userName],
      cn: ['Someone Else'],
      sn: ['Else'],
      ...(employeeNumber ? { employeeNumber: [employeeNumber] } : {}),
    });
    await client.modify(
      `cn=finance,${server.groupsDn}`,
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
    );
  });
  return dn;
}

async function lockOf(dn: string): Promise<unknown> {
  return asAdmin(server, async (client) => {
    const { searchEntries } = await client.search(dn, {
      scope: 'base',
      attributes: ['pwdAccountLockedTime'],
    });
    return searchEntries[0]?.pwdAccountLockedTime;
  });
}

void test("an entry that belongs to another employee is read as held by them, and a leaver's calls leave it untouched", async () => {
  const p = person('theirs');
  const dn = await addEntryByHand(p, 'E-owner');
  const state = await connector.readState(p);
  assert.equal(state.heldBy, 'E-owner');
  assert.equal(state.exists, false);
  await connector.disable(p);
  await connector.revoke(p, 'finance');
  await connector.delete(p);
  await assert.rejects(connector.grant(p, 'engineering'), PermanentConnectorError);
  assert.deepEqual(await lockOf(dn), [], 'not locked');
  assert.ok((await members('finance')).includes(dn), 'membership kept');
  assert.ok(!(await members('engineering')).includes(dn), 'nothing granted');
});

void test("an entry without employeeNumber is not provably anyone's: never adopted, changed or read as clean", async () => {
  const p = person('unowned');
  const dn = await addEntryByHand(p, undefined);
  await assert.rejects(connector.ensureAccount(p), /without employeeNumber/);
  assert.match((await connector.readState(p)).unverifiable ?? '', /cannot show it is E\d+'s/);
  await assert.rejects(connector.disable(p), /without employeeNumber/);
  await assert.rejects(connector.revoke(p, 'finance'), /without employeeNumber/);
  assert.deepEqual(await lockOf(dn), [], 'not locked');
  assert.ok((await members('finance')).includes(dn), 'membership kept');
});
