// The LDAP connector's Active Directory flavour against a real Samba AD domain controller, over ldaps://
// with certificate verification.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change, EqualityFilter, InvalidCredentialsError } from 'ldapts';
import type { Client } from 'ldapts';
import type { LdapApplicationConfig } from '../../domain/config';
import type { AccountProfile, ListedAccount } from '../../connectors/connector';
import { PermanentConnectorError } from '../../connectors/errors';
import { ActiveDirectoryConnector } from '../../connectors/ldap/ad-connector';
import { unicodePwd } from '../../connectors/ldap/ad-names';
import { escapeDnValue } from '../../connectors/ldap/dn';
import { asDomainAdmin, bindAs, createAdGroups, startSambaDc, type SambaDc } from '../support/samba-ad';

const ACCOUNTDISABLE = 0x2;
const NORMAL_ACCOUNT = 0x200;
const DONT_EXPIRE_PASSWORD = 0x10000;

let dc: SambaDc;
let connector: ActiveDirectoryConnector;

function configFor(s: SambaDc, overrides: Partial<LdapApplicationConfig> = {}): LdapApplicationConfig {
  return {
    id: 'corp-ad',
    kind: 'ldap',
    url: s.url,
    bindDn: s.bindDn,
    bindPassword: s.bindPassword,
    usersDn: s.usersDn,
    groupsDn: s.groupsDn,
    deprovision: 'disable',
    requestTimeout: 5_000,
    flavor: 'ad',
    caFile: s.caFile,
    ...overrides,
  };
}

let sequence = 0;
/** sAMAccountName allows 20 characters: short prefixes. */
function person(prefix: string): AccountProfile {
  sequence += 1;
  return {
    employeeId: `E${2000 + sequence}`,
    userName: `${prefix}.${sequence}`,
    email: `${prefix}.${sequence}@example.com`,
    givenName: 'Ada',
    familyName: `Tester${sequence}`,
  };
}

const userDn = (userName: string) => `CN=${userName},${dc.usersDn}`;
const groupDn = (name: string) => `CN=${name},${dc.groupsDn}`;

async function attributesOf(dn: string, attributes: string[]): Promise<Record<string, string[]>> {
  return asDomainAdmin(dc, async (client) => {
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes });
    const entry = searchEntries[0];
    assert.ok(entry, `${dn} exists`);
    return Object.fromEntries(
      attributes.map((a) => {
        const value = entry[a] ?? [];
        return [a, (Array.isArray(value) ? value : [value]).map(String)];
      }),
    );
  });
}

async function exists(dn: string): Promise<boolean> {
  return asDomainAdmin(dc, async (client) => {
    try {
      await client.search(dn, { scope: 'base', attributes: ['1.1'] });
      return true;
    } catch {
      return false;
    }
  });
}

async function flagsOf(dn: string): Promise<number> {
  return Number((await attributesOf(dn, ['userAccountControl'])).userAccountControl![0]);
}

async function members(group: string): Promise<string[]> {
  return (await attributesOf(groupDn(group), ['member'])).member!;
}

async function modifyAsAdmin(dn: string, changes: Change[]): Promise<void> {
  await asDomainAdmin(dc, (client: Client) => client.modify(dn, changes));
}

function replace(type: string, values: string[] | Buffer[]): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values }) });
}

/** A user made behind the connector's back, as an administrator would, in finance already. */
async function addUserByHand(
  userName: string,
  parentDn: string,
  owner: Record<string, string> = {},
): Promise<string> {
  const dn = `CN=${userName},${parentDn}`;
  await asDomainAdmin(dc, async (client) => {
    await client.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: userName,
      ...owner,
    });
    await client.modify(
      groupDn('finance'),
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
    );
  });
  return dn;
}

before(async () => {
  dc = await startSambaDc();
  connector = new ActiveDirectoryConnector(configFor(dc));
  await createAdGroups(dc, ['engineering', 'finance', 'R&D, Europe', 'a=b;c', 'Ünïcødé']);
});

after(async () => {
  await connector?.close();
  await dc?.stop();
});

void test('ensureAccount creates an enabled user object named by sAMAccountName, then adopts it without creating another', async () => {
  const p = person('create');
  const dn = userDn(p.userName);
  assert.deepEqual(await connector.ensureAccount(p), { created: true, accountId: dn });
  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId: dn });

  const found = await asDomainAdmin(dc, (client) =>
    client.search(dc.domainDn, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: 'sAMAccountName', value: p.userName }),
      attributes: ['objectClass', 'userPrincipalName', 'employeeID', 'displayName', 'mail', 'pwdLastSet'],
    }),
  );
  assert.equal(found.searchEntries.length, 1);
  const entry = found.searchEntries[0]!;
  assert.ok((entry.objectClass as string[]).includes('user'));
  assert.equal(entry.userPrincipalName, `${p.userName}@${dc.dnsDomain}`);
  assert.equal(entry.employeeID, p.employeeId);
  assert.equal(entry.displayName, `Ada ${p.familyName}`);
  assert.equal(entry.mail, p.email);
  assert.notEqual(entry.pwdLastSet, '0', 'the account has a password (a random one nobody is told)');
  assert.equal(await flagsOf(dn), NORMAL_ACCOUNT, 'a normal, enabled account, without PASSWD_NOTREQD');
  assert.deepEqual(await connector.readState(p), {
    exists: true,
    active: true,
    entitlements: [],
    openSessions: null,
    accountId: dn,
  });
});

void test("ensureAccount refuses to adopt an account that is another employee's", async () => {
  const p = person('owned');
  await connector.ensureAccount(p);
  await assert.rejects(connector.ensureAccount({ ...p, employeeId: 'E-someone-else' }), (error: unknown) => {
    assert.ok(error instanceof PermanentConnectorError);
    assert.match(error.message, /employeeID E\d+, not E-someone-else: refusing to adopt/);
    return true;
  });
});

void test('a userName AD cannot take as sAMAccountName is refused before anything is written', async () => {
  const p = { ...person('x'), userName: 'much-longer-than-twenty' };
  await assert.rejects(
    connector.ensureAccount(p),
    /cannot be an Active Directory account name: it is longer than 20/,
  );
  assert.equal(await exists(userDn(p.userName)), false);
});

void test('grant and revoke are read back from memberOf, and are idempotent', async () => {
  const p = person('grant');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'R&D, Europe');
  await connector.grant(p, 'a=b;c');
  await connector.grant(p, 'Ünïcødé');
  assert.deepEqual((await connector.readState(p)).entitlements, [
    'R&D, Europe',
    'a=b;c',
    'engineering',
    'Ünïcødé',
  ]);
  assert.equal((await members('engineering')).filter((m) => m === userDn(p.userName)).length, 1);

  await connector.revoke(p, 'engineering');
  await connector.revoke(p, 'engineering');
  await connector.revoke(p, 'a=b;c');
  assert.deepEqual((await connector.readState(p)).entitlements, ['R&D, Europe', 'Ünïcødé']);
  assert.ok(!(await members('engineering')).includes(userDn(p.userName)));
});

void test('revoking a membership the user never had, or from a group that does not exist, succeeds', async () => {
  const p = person('revoke');
  await connector.ensureAccount(p);
  await connector.revoke(p, 'finance');
  await connector.revoke(p, 'no-such-group');
  assert.deepEqual((await connector.readState(p)).entitlements, []);
});

void test('an AD group may be empty: revoking its only member leaves no placeholder', async () => {
  await createAdGroups(dc, ['solo']);
  const p = person('solo');
  await connector.ensureAccount(p);
  await connector.grant(p, 'solo');
  assert.deepEqual(await members('solo'), [userDn(p.userName)]);
  await connector.revoke(p, 'solo');
  assert.deepEqual(await members('solo'), []);
});

void test('groups outside groupsDn are not reported as entitlements', async () => {
  const p = person('other');
  await connector.ensureAccount(p);
  await modifyAsAdmin(`CN=Remote Desktop Users,CN=Builtin,${dc.domainDn}`, [
    new Change({
      operation: 'add',
      modification: new Attribute({ type: 'member', values: [userDn(p.userName)] }),
    }),
  ]);
  assert.deepEqual((await connector.readState(p)).entitlements, []);
});

void test('grant to an unknown group fails permanently and names the group', async () => {
  const p = person('nogroup');
  await connector.ensureAccount(p);
  await assert.rejects(connector.grant(p, 'does-not-exist'), (error: unknown) => {
    assert.ok(error instanceof PermanentConnectorError);
    assert.match(error.message, /group "does-not-exist" does not exist/);
    return true;
  });
});

void test('disable sets ACCOUNTDISABLE and keeps the other flags: readState says inactive and a bind is refused', async () => {
  const p = person('leaver');
  const password = 'Correct-Horse-7-Battery';
  const dn = userDn(p.userName);
  await connector.ensureAccount(p);
  await modifyAsAdmin(dn, [
    replace('unicodePwd', [unicodePwd(password)]),
    replace('userAccountControl', [String(NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD)]),
  ]);
  await bindAs(dc, `${p.userName}@${dc.dnsDomain}`, password, () => Promise.resolve());

  await connector.disable(p);
  await connector.disable(p);

  assert.equal(await flagsOf(dn), NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD | ACCOUNTDISABLE);
  assert.equal((await connector.readState(p)).active, false);
  await assert.rejects(
    bindAs(dc, `${p.userName}@${dc.dnsDomain}`, password, () => Promise.resolve()),
    InvalidCredentialsError,
  );
});

void test('ensureAccount enables an adopted account that was disabled, keeping its other flags', async () => {
  const p = person('rehire');
  const dn = userDn(p.userName);
  await connector.ensureAccount(p);
  await modifyAsAdmin(dn, [replace('userAccountControl', [String(NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD)])]);
  await connector.disable(p);
  assert.equal((await connector.readState(p)).active, false);

  assert.equal((await connector.ensureAccount(p)).created, false);
  assert.equal((await connector.readState(p)).active, true);
  assert.equal(await flagsOf(dn), NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD);
});

void test('disable and delete of an account that does not exist succeed', async () => {
  const p = person('ghost');
  await connector.disable(p);
  await connector.delete(p);
  assert.deepEqual(await connector.readState(p), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
});

void test('delete removes the user object, and with it every membership', async () => {
  const p = person('deleted');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  await connector.grant(p, 'finance');

  await connector.delete(p);
  await connector.delete(p);

  assert.equal(await exists(userDn(p.userName)), false);
  assert.deepEqual(await connector.readState(p), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: null,
  });
  assert.ok(!(await members('engineering')).includes(userDn(p.userName)));
  assert.ok(!(await members('finance')).includes(userDn(p.userName)));
});

void test('delete also removes objects kept under the user', async () => {
  const p = person('parent');
  await connector.ensureAccount(p);
  // classStore is one of the few classes AD's schema allows below a user object.
  await asDomainAdmin(dc, (client) =>
    client.add(`CN=apps,${userDn(p.userName)}`, { objectClass: ['top', 'classStore'] }),
  );
  await connector.delete(p);
  assert.equal(await exists(userDn(p.userName)), false);
});

void test('an account an administrator moved to another OU is still found by sAMAccountName', async () => {
  const p = person('moved');
  await connector.ensureAccount(p);
  await connector.grant(p, 'engineering');
  const moved = `CN=${p.userName},CN=Users,${dc.domainDn}`;
  await asDomainAdmin(dc, (client) => client.modifyDN(userDn(p.userName), moved));

  const state = await connector.readState({ ...p, accountId: userDn(p.userName) });
  assert.equal(state.accountId, moved);
  assert.deepEqual(state.entitlements, ['engineering']);
  assert.deepEqual(await connector.ensureAccount({ ...p, accountId: userDn(p.userName) }), {
    created: false,
    accountId: moved,
  });
  await connector.disable(p);
  assert.equal((await connector.readState(p)).active, false);
});

void test('a changed userName renames the account: CN, sAMAccountName and userPrincipalName, memberships kept', async () => {
  const p = person('before');
  const { accountId } = await connector.ensureAccount(p);
  await connector.grant(p, 'finance');
  const renamed = { ...p, userName: `after.${sequence}`, accountId };

  assert.deepEqual(await connector.ensureAccount(renamed), {
    created: false,
    accountId: userDn(renamed.userName),
  });
  assert.equal(await exists(userDn(p.userName)), false);
  const names = await attributesOf(userDn(renamed.userName), ['sAMAccountName', 'userPrincipalName']);
  assert.deepEqual(names, {
    sAMAccountName: [renamed.userName],
    userPrincipalName: [`${renamed.userName}@${dc.dnsDomain}`],
  });
  assert.deepEqual((await connector.readState(renamed)).entitlements, ['finance']);
});

void test("an account that belongs to another employee is read as held by them, and a leaver's calls leave it untouched", async () => {
  const p = person('theirs');
  // Elsewhere in the domain: sAMAccountName is unique across it, wherever the account is.
  const dn = await addUserByHand(p.userName, `CN=Users,${dc.domainDn}`, { employeeID: 'E-owner' });
  const before = await flagsOf(dn);
  const state = await connector.readState(p);
  assert.equal(state.heldBy, 'E-owner');
  assert.equal(state.exists, false);
  await connector.disable(p);
  await connector.revoke(p, 'finance');
  await connector.delete(p);
  await assert.rejects(connector.grant(p, 'engineering'), PermanentConnectorError);
  await assert.rejects(connector.ensureAccount(p), /refusing to adopt another person's account/);
  assert.equal(await exists(dn), true, 'not deleted');
  assert.equal(await flagsOf(dn), before, 'not disabled');
  assert.ok((await members('finance')).includes(dn), 'membership kept');
  assert.ok(!(await members('engineering')).includes(dn), 'nothing granted');
  assert.equal(await exists(userDn(p.userName)), false, 'no second account made');
});

void test("an account without employeeID is not provably anyone's: never adopted, changed or read as clean", async () => {
  const p = person('unowned');
  const dn = await addUserByHand(p.userName, dc.usersDn);
  const before = await flagsOf(dn);
  await assert.rejects(connector.ensureAccount(p), /exists without employeeID/);
  assert.match((await connector.readState(p)).unverifiable ?? '', /cannot show it is E\d+'s/);
  await assert.rejects(connector.disable(p), /without employeeID/);
  await assert.rejects(connector.revoke(p, 'finance'), /without employeeID/);
  await assert.rejects(connector.delete(p), /without employeeID/);
  assert.equal(await flagsOf(dn), before, 'not changed');
  assert.ok((await members('finance')).includes(dn), 'membership kept');
});

void test('a group with the person’s sAMAccountName is nobody’s account: creation is refused', async () => {
  const p = person('clash');
  await asDomainAdmin(dc, (client) =>
    client.add(`CN=clash group,${dc.groupsDn}`, {
      objectClass: ['top', 'group'],
      sAMAccountName: p.userName,
    }),
  );
  assert.equal((await connector.readState(p)).heldBy, 'another account');
  await assert.rejects(
    connector.ensureAccount(p),
    /sAMAccountName of a group or computer, not of a user account/,
  );
  assert.equal(await exists(userDn(p.userName)), false);
});

void test('ownerAttribute employeeNumber ties accounts by employeeNumber instead', async () => {
  const byNumber = new ActiveDirectoryConnector(configFor(dc, { ownerAttribute: 'employeeNumber' }));
  try {
    const p = person('number');
    const { accountId } = await byNumber.ensureAccount(p);
    const owner = await attributesOf(accountId, ['employeeNumber', 'employeeID']);
    assert.deepEqual(owner, { employeeNumber: [p.employeeId], employeeID: [] });
    assert.equal((await byNumber.readState(p)).exists, true);
    // The same account, read by a connector that looks at employeeID, names no owner.
    assert.match((await connector.readState(p)).unverifiable ?? '', /without employeeID/);
  } finally {
    await byNumber.close();
  }
});

void test('AD has no sessions to end over LDAP: terminateSessions reports none', async () => {
  const p = person('session');
  await connector.ensureAccount(p);
  assert.equal(await connector.terminateSessions(p), 0);
  assert.equal((await connector.readState(p)).openSessions, null);
});

void test('the server certificate is verified: without the CA that signed it, nothing is read', async () => {
  const untrusting = new ActiveDirectoryConnector(configFor(dc, { caFile: undefined }));
  try {
    await assert.rejects(untrusting.readState(person('tls')), (error: unknown) => {
      assert.ok(error instanceof PermanentConnectorError);
      assert.match(error.message, /certificate/);
      return true;
    });
  } finally {
    await untrusting.close();
  }
});

void test('a caFile that cannot be read is a permanent error naming it', async () => {
  const missing = new ActiveDirectoryConnector(configFor(dc, { caFile: '/nonexistent/jml-ca.pem' }));
  try {
    await assert.rejects(missing.readState(person('noca')), (error: unknown) => {
      assert.ok(error instanceof PermanentConnectorError);
      assert.match(error.message, /cannot read caFile: .*\/nonexistent\/jml-ca\.pem/);
      return true;
    });
  } finally {
    await missing.close();
  }
});

void test('two creates of the same person at once make one account, and both return it', async () => {
  const p = person('twice');
  const other = new ActiveDirectoryConnector(configFor(dc));
  try {
    const results = await Promise.all([connector.ensureAccount(p), other.ensureAccount(p)]);
    assert.deepEqual(
      results.map((r) => r.accountId),
      [userDn(p.userName), userDn(p.userName)],
    );
    assert.equal(results.filter((r) => r.created).length, 1);
  } finally {
    await other.close();
  }
  const found = await asDomainAdmin(dc, (client) =>
    client.search(dc.domainDn, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: 'employeeID', value: p.employeeId }),
      attributes: ['1.1'],
    }),
  );
  assert.equal(found.searchEntries.length, 1);
});

void test('a userPrincipalName another user holds stops the create, and nothing is adopted', async () => {
  const p = person('upn');
  await asDomainAdmin(dc, (client) =>
    client.add(`CN=upn holder,CN=Users,${dc.domainDn}`, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: `holder.${sequence}`,
      userPrincipalName: `${p.userName}@${dc.dnsDomain}`,
      employeeID: 'E-holder',
    }),
  );
  await assert.rejects(connector.ensureAccount(p), (error: unknown) => {
    assert.ok(error instanceof PermanentConnectorError);
    // AD refuses it as a constraint violation, which is no retry's to fix.
    assert.match(error.message, /userPrincipalName .* is already in use/);
    return true;
  });
  assert.equal(await exists(userDn(p.userName)), false);
});

void test('listAccounts pages through every user object under usersDn once, with owner, enabled state and groups, and no computer', async () => {
  const contractors = `OU=Contractors,${dc.usersDn}`;
  await asDomainAdmin(dc, (client) =>
    client.add(contractors, { objectClass: ['top', 'organizationalUnit'], ou: 'Contractors' }),
  );
  /** A user made by hand, enabled with a password unless `enabled` is false, in `groups`. */
  const make = async (
    name: string,
    parent: string,
    owner: string | undefined,
    enabled: boolean,
    groups: string[],
  ) => {
    const dn = `CN=${name},${parent}`;
    await asDomainAdmin(dc, async (client) => {
      await client.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: name,
        ...(owner ? { employeeID: owner } : {}),
      });
      if (enabled) {
        await client.modify(dn, [
          replace('unicodePwd', [unicodePwd('Listed-Horse-7-Battery')]),
          replace('userAccountControl', [String(NORMAL_ACCOUNT | DONT_EXPIRE_PASSWORD)]),
        ]);
      }
      for (const group of groups) {
        await client.modify(
          `CN=${escapeDnValue(group)},${dc.groupsDn}`,
          new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }),
        );
      }
    });
    return { dn, name, owner, enabled, groups: [...groups].sort() };
  };
  const made = [
    await make('lst.owned', dc.usersDn, 'E6001', true, ['engineering', 'finance']),
    await make('lst.unowned', dc.usersDn, undefined, true, ['finance']),
    await make('lst.disabled', dc.usersDn, 'E6003', false, []),
    await make('lst.contractor', contractors, 'E6004', true, ['R&D, Europe']),
    ...(await Promise.all([1, 2, 3].map((n) => make(`lst.f${n}`, dc.usersDn, `E601${n}`, true, [])))),
  ];
  // A computer is a `user` object too, and no one's account.
  await asDomainAdmin(dc, (client) =>
    client.add(`CN=LSTPC1,${dc.usersDn}`, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user', 'computer'],
      sAMAccountName: 'LSTPC1$',
    }),
  );

  const listed: ListedAccount[] = [];
  let cursor: string | undefined;
  let pages = 0;
  // Two connectors take turns, as activity attempts on two workers would.
  const other = new ActiveDirectoryConnector(configFor(dc));
  try {
    do {
      const page = await [connector, other][pages % 2]!.listAccounts({ cursor, pageSize: 3 });
      assert.equal(page.unverifiable, undefined);
      assert.ok(page.accounts.length <= 3);
      listed.push(...page.accounts);
      cursor = page.next;
      pages += 1;
    } while (cursor && pages < 100);
  } finally {
    await other.close();
  }

  const users = await asDomainAdmin(dc, (client) =>
    client.search(dc.usersDn, {
      scope: 'sub',
      filter: '(&(objectClass=user)(!(objectClass=computer)))',
      attributes: ['1.1'],
    }),
  );
  const key = (dn: string) => dn.toLowerCase();
  assert.ok(pages >= 3, `several pages (${pages})`);
  assert.deepEqual(
    listed.map((a) => key(a.accountId)).sort(),
    users.searchEntries.map((e) => key(e.dn)).sort(),
  );
  assert.ok(!listed.some((a) => a.userName === 'LSTPC1$'), 'no computer');
  const byDn = new Map(listed.map((a) => [key(a.accountId), a]));
  for (const m of made) {
    const account = byDn.get(key(m.dn));
    assert.ok(account, `${m.dn} is listed`);
    assert.deepEqual(
      { ...account, accountId: key(account.accountId) },
      {
        accountId: key(m.dn),
        userName: m.name,
        ...(m.owner ? { ownerId: m.owner } : {}),
        active: m.enabled,
        entitlements: m.groups,
      },
    );
  }
});
