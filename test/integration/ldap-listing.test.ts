// The OpenLDAP connector's listAccounts against a real slapd (ppolicy and memberof overlays): entries
// made by hand as the directory's administrator, in usersDn and an OU below it, are listed page by
// page, each once, with their employeeNumber, lock and groups, whichever connector asks for which
// page, and compared with the directory's own answer. A group of 2,000 members that every account
// is in is never read whole.
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Attribute,
  Change,
  Client,
  EqualityFilter,
  OrFilter,
  PresenceFilter,
  type SearchResult,
} from 'ldapts';
import type { LdapApplicationConfig } from '../../domain/config';
import type { AccountPage, ListedAccount } from '../../connectors/connector';
import { PermanentConnectorError } from '../../connectors/errors';
import { LdapConnector } from '../../connectors/ldap/ldap-connector';
import { asAdmin, createGroups, startSlapd, type SlapdServer } from '../support/slapd';

const PAGE_SIZE = 3;
const BIG_GROUP_MEMBERS = 2_000;

let server: SlapdServer;
let expected: ListedAccount[];

function configFor(s: SlapdServer): LdapApplicationConfig {
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
  };
}

const add = (type: string, values: string[]) =>
  new Change({ operation: 'add', modification: new Attribute({ type, values }) });

before(async () => {
  server = await startSlapd();
  await createGroups(server, ['engineering', 'finance', 'everyone']);
  const people = server.usersDn;
  const contractors = `ou=contractors,${people}`;
  const person = (uid: string, owner?: string) => ({
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
    uid,
    cn: uid,
    sn: 'Listed',
    ...(owner ? { employeeNumber: owner } : {}),
  });
  const made: { dn: string; entry: Record<string, string | string[]>; groups: string[] }[] = [
    {
      dn: `uid=list.owned,${people}`,
      entry: person('list.owned', 'E5001'),
      groups: ['engineering', 'finance'],
    },
    { dn: `uid=list.unowned,${people}`, entry: person('list.unowned'), groups: ['finance'] },
    {
      dn: `uid=list.locked,${people}`,
      entry: { ...person('list.locked', 'E5003'), pwdAccountLockedTime: '000001010000Z' },
      groups: [],
    },
    // Not a person at all: a bare `account` (cosine), as service logins often are.
    {
      dn: `uid=svc.backup,${people}`,
      entry: { objectClass: ['top', 'account'], uid: 'svc.backup' },
      groups: [],
    },
    {
      dn: `uid=list.contractor,${contractors}`,
      entry: person('list.contractor', 'E5004'),
      groups: ['engineering'],
    },
    ...[1, 2, 3, 4, 5].map((n) => ({
      dn: `uid=list.f${n},${people}`,
      entry: person(`list.f${n}`, `E501${n}`),
      groups: n === 1 ? ['finance'] : [],
    })),
  ];
  await asAdmin(server, async (client) => {
    await client.add(contractors, { objectClass: ['top', 'organizationalUnit'], ou: 'contractors' });
    // Under usersDn but no account: a device.
    await client.add(`cn=printer,${people}`, { objectClass: ['top', 'device'], cn: 'printer' });
    for (const { dn, entry, groups } of made) {
      await client.add(dn, entry);
      for (const group of groups) await client.modify(`cn=${group},${server.groupsDn}`, add('member', [dn]));
    }
    const others = Array.from(
      { length: BIG_GROUP_MEMBERS },
      (_, n) => `uid=elsewhere.${n},ou=gone,${server.suffix}`,
    );
    await client.modify(
      `cn=everyone,${server.groupsDn}`,
      add('member', [...others, ...made.map((m) => m.dn)]),
    );
  });
  expected = made.map(({ dn, entry, groups }) => ({
    accountId: dn,
    userName: entry.uid as string,
    ...(entry.employeeNumber ? { ownerId: entry.employeeNumber as string } : {}),
    active: entry.pwdAccountLockedTime === undefined,
    entitlements: [...groups, 'everyone'].sort(),
  }));
});

after(async () => {
  mock.restoreAll();
  await server?.stop();
});

async function listAll(workers: LdapConnector[]): Promise<AccountPage[]> {
  const pages: AccountPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await workers[pages.length % workers.length]!.listAccounts({ cursor, pageSize: PAGE_SIZE });
    pages.push(page);
    cursor = page.next;
  } while (cursor && pages.length < 100);
  return pages;
}

/** Every account entry under usersDn, as the administrator's own search finds them. */
async function directoryAccounts(): Promise<string[]> {
  const { searchEntries } = await asAdmin(server, (client) =>
    client.search(server.usersDn, {
      scope: 'sub',
      filter: new OrFilter({
        filters: [
          new EqualityFilter({ attribute: 'objectClass', value: 'person' }),
          new EqualityFilter({ attribute: 'objectClass', value: 'account' }),
          new PresenceFilter({ attribute: 'uid' }),
        ],
      }),
      attributes: ['1.1'],
    }),
  );
  return searchEntries.map((e) => e.dn.toLowerCase()).sort();
}

void test('every account once, by pages, with its employeeNumber, lock and groups, whichever connector asks', async () => {
  const one = new LdapConnector(configFor(server));
  const other = new LdapConnector(configFor(server));
  try {
    const pages = await listAll([one, other]);
    assert.equal(pages.length, Math.ceil(expected.length / PAGE_SIZE));
    for (const page of pages) {
      assert.equal(page.unverifiable, undefined);
      assert.ok(page.accounts.length <= PAGE_SIZE);
    }
    const listed = pages.flatMap((p) => p.accounts);
    assert.deepEqual(listed.map((a) => a.accountId.toLowerCase()).sort(), await directoryAccounts());
    assert.equal(listed.length, expected.length, 'each once, and the device is no account');
    const byDn = new Map(listed.map((a) => [a.accountId.toLowerCase(), a]));
    for (const account of expected) assert.deepEqual(byDn.get(account.accountId.toLowerCase()), account);
  } finally {
    await one.close();
    await other.close();
  }
});

void test('a page asks the groups only about its own accounts: no member list comes back whole', async () => {
  let memberValues = 0;
  const search = Object.getOwnPropertyDescriptor(Client.prototype, 'search')!.value as Client['search'];
  mock.method(
    Client.prototype,
    'search',
    async function (this: Client, ...args: Parameters<Client['search']>) {
      const result: SearchResult = await Reflect.apply(search, this, args);
      for (const entry of result.searchEntries) {
        const member = entry.member;
        memberValues += member === undefined ? 0 : Array.isArray(member) ? member.length : 1;
      }
      return result;
    },
  );
  // A connector that has not yet learned whether entries show memberOf searches the groups.
  const fresh = new LdapConnector(configFor(server));
  try {
    const listed = (await listAll([fresh])).flatMap((p) => p.accounts);
    assert.deepEqual(listed.find((a) => a.userName === 'list.owned')?.entitlements, [
      'engineering',
      'everyone',
      'finance',
    ]);
    const memberships = expected.reduce((sum, a) => sum + a.entitlements.length, 0);
    assert.ok(
      memberValues <= memberships,
      `${memberValues} member values read for ${memberships} memberships`,
    );
  } finally {
    mock.restoreAll();
    await fresh.close();
  }
});

void test('a cursor of another kind of connector is refused', async () => {
  const connector = new LdapConnector(configFor(server));
  try {
    const cursor = Buffer.from(JSON.stringify({ k: 'postgres', after: '1' })).toString('base64url');
    await assert.rejects(connector.listAccounts({ cursor, pageSize: PAGE_SIZE }), PermanentConnectorError);
  } finally {
    await connector.close();
  }
});

void test('a listing the directory refuses is unverifiable, never an empty directory', async () => {
  const connector = new LdapConnector({ ...configFor(server), usersDn: `ou=nobody,${server.suffix}` });
  try {
    const page = await connector.listAccounts({ pageSize: PAGE_SIZE });
    assert.deepEqual(page.accounts, []);
    assert.equal(page.next, undefined);
    assert.match(page.unverifiable ?? '', /refused to list the accounts under ou=nobody,dc=jml,dc=test/);
  } finally {
    await connector.close();
  }
});
