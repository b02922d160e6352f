// The SCIM connector's listAccounts against real SCIM servers: scim2-server (which does not fill the
// User's `groups`, so memberships come from the groups), django-scim2 (which does), and scim2-server
// behind the quirks proxy (paging forced, `count` refused, paging ignored, userNames as member values,
// the owner in a schema extension). Each server gets accounts made by hand, straight through its API,
// and the listing is compared with the server's own answer: every account once, with its owner,
// `active` and groups, whichever worker asks for which page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScimApplicationConfig } from '../../domain/config';
import type { AccountPage, ListedAccount } from '../../connectors/connector';
import { TransientConnectorError } from '../../connectors/errors';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import { startDjangoScimServer } from '../../scripts/lib/django-scim-server';
import { startFaultProxy, type FaultProxy } from '../../scripts/lib/fault-proxy';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startScimQuirksProxy, type ScimQuirk, type ScimQuirksProxy } from '../support/scim-quirks-proxy';

const TOKEN = 'scim-listing-test-token';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUPS = ['staff', 'team'];
const PAGE_SIZE = 3;

type Kind = 'scim2-server' | 'django-scim2';

interface Scenario {
  label: string;
  server: Kind;
  quirks: ScimQuirk[];
  ownerAttribute?: string;
}

const SCENARIOS: Scenario[] = [
  { label: 'scim2-server (memberships from the groups)', server: 'scim2-server', quirks: [] },
  { label: 'django-scim2 (memberships from the User’s groups)', server: 'django-scim2', quirks: [] },
  { label: 'forced paging, two at a time', server: 'scim2-server', quirks: ['forced-paging'] },
  { label: 'count refused', server: 'scim2-server', quirks: ['count-rejected'] },
  {
    label: 'paging ignored: the whole collection every time',
    server: 'scim2-server',
    quirks: ['paging-ignored'],
  },
  { label: 'userNames as member values', server: 'scim2-server', quirks: ['usernames-as-members'] },
  {
    label: 'the owner in the enterprise extension',
    server: 'scim2-server',
    quirks: ['externalid-dropped'],
    ownerAttribute: `${ENTERPRISE}:employeeNumber`,
  },
];

function configFor(baseUrl: string, ownerAttribute = 'externalId'): ScimApplicationConfig {
  return {
    id: 'listed',
    kind: 'scim',
    baseUrl,
    token: TOKEN,
    deprovision: 'disable',
    requestTimeout: 10_000,
    ownerAttribute,
    memberships: 'auto',
  };
}

function start(kind: Kind): Promise<ScimServer> {
  return kind === 'django-scim2'
    ? startDjangoScimServer({ token: TOKEN })
    : startScimServer({ token: TOKEN });
}

/** A request straight to the server, bypassing connector and proxy. */
async function raw(server: ScimServer, method: string, path: string, body?: unknown): Promise<unknown> {
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
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Every User id the server has, read in one request. */
async function allIds(server: ScimServer): Promise<string[]> {
  const list = (await raw(server, 'GET', '/Users?count=1000')) as { Resources?: { id: string }[] };
  return (list.Resources ?? []).map((u) => u.id).sort();
}

interface Made {
  owned: ListedAccount;
  unowned: ListedAccount;
  disabled: ListedAccount;
  fillers: ListedAccount[];
}

/** Accounts made by hand in the server, with groups granted there, as an administrator would. */
async function makeAccounts(server: ScimServer, ownerAttribute = 'externalId'): Promise<Made> {
  await createScimGroups(server, GROUPS);
  const groups = (await raw(server, 'GET', '/Groups')) as {
    Resources: { id: string; displayName: string }[];
  };
  const groupId = (name: string) => groups.Resources.find((g) => g.displayName === name)!.id;
  const create = async (
    userName: string,
    owner: string | undefined,
    active: boolean,
    member: string[],
  ): Promise<ListedAccount> => {
    const ownerFields =
      owner === undefined
        ? {}
        : ownerAttribute === 'externalId'
          ? { externalId: owner }
          : { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { employeeNumber: owner } };
    const user = (await raw(server, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName,
      active,
      ...ownerFields,
    })) as { id: string };
    for (const name of member) {
      await raw(server, 'PATCH', `/Groups/${groupId(name)}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
      });
    }
    return {
      accountId: user.id,
      userName,
      ...(owner === undefined ? {} : { ownerId: owner }),
      active,
      entitlements: [...member].sort(),
    };
  };
  return {
    owned: await create('list.owned', 'E4001', true, ['staff', 'team']),
    unowned: await create('list.unowned', undefined, true, ['staff']),
    disabled: await create('list.disabled', 'E4003', false, []),
    fillers: [
      await create('list.f1', 'E4011', true, ['team']),
      await create('list.f2', 'E4012', true, []),
      await create('list.f3', 'E4013', true, []),
      await create('list.f4', 'E4014', true, []),
      await create('list.f5', 'E4015', true, []),
    ],
  };
}

/** Every page of one listing; `workers` take turns, as activity attempts on different workers would. */
async function listAll(workers: ScimConnector[], pageSize = PAGE_SIZE): Promise<AccountPage[]> {
  const pages: AccountPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await workers[pages.length % workers.length]!.listAccounts({ cursor, pageSize });
    pages.push(page);
    cursor = page.next;
  } while (cursor && pages.length < 100);
  return pages;
}

for (const scenario of SCENARIOS) {
  void describe(`listAccounts: ${scenario.label}`, () => {
    let server: ScimServer;
    let proxy: ScimQuirksProxy | undefined;
    let made: Made;
    let baseUrl: string;

    before(async () => {
      server = await start(scenario.server);
      made = await makeAccounts(server, scenario.ownerAttribute);
      proxy = scenario.quirks.length
        ? await startScimQuirksProxy({ baseUrl: server.baseUrl, token: TOKEN }, scenario.quirks)
        : undefined;
      baseUrl = proxy?.baseUrl ?? server.baseUrl;
    });

    after(async () => {
      await proxy?.stop();
      await server?.stop();
    });

    void test('every account once, by pages, with its owner, active and groups, whichever worker asks', async () => {
      const one = new ScimConnector(configFor(baseUrl, scenario.ownerAttribute));
      const other = new ScimConnector(configFor(baseUrl, scenario.ownerAttribute));
      try {
        const pages = await listAll([one, other]);
        for (const page of pages) {
          assert.equal(page.unverifiable, undefined);
          assert.ok(page.accounts.length <= PAGE_SIZE, `at most ${PAGE_SIZE} a page`);
        }
        assert.ok(pages.length >= 3, `several pages (${pages.length})`);
        const listed = pages.flatMap((p) => p.accounts);
        assert.deepEqual(listed.map((a) => a.accountId).sort(), await allIds(server), 'each account once');
        const byId = new Map(listed.map((a) => [a.accountId, a]));
        for (const expected of [made.owned, made.unowned, made.disabled, ...made.fillers]) {
          assert.deepEqual(byId.get(expected.accountId), expected);
        }
        // A second listing by the same worker answers the same.
        const again = (await listAll([one])).flatMap((p) => p.accounts);
        assert.deepEqual(
          again.sort((a, b) => a.accountId.localeCompare(b.accountId)),
          [...listed].sort((a, b) => a.accountId.localeCompare(b.accountId)),
        );
      } finally {
        await one.close();
        await other.close();
      }
    });
  });
}

void describe('listAccounts: what each listing reads', () => {
  let servers: Record<Kind, ScimServer>;
  let proxies: Record<Kind, FaultProxy>;

  before(async () => {
    servers = { 'scim2-server': await start('scim2-server'), 'django-scim2': await start('django-scim2') };
    proxies = {} as Record<Kind, FaultProxy>;
    for (const kind of Object.keys(servers) as Kind[]) {
      await makeAccounts(servers[kind]);
      proxies[kind] = await startFaultProxy(servers[kind].port);
    }
  });

  after(async () => {
    for (const proxy of Object.values(proxies ?? {})) await proxy.stop();
    for (const server of Object.values(servers ?? {})) await server.stop();
  });

  const memberListReads = (proxy: FaultProxy, from: number) =>
    proxy.log.slice(from).filter((line) => /^GET \S*\/Groups\/[^/?]+\?attributes=members$/.test(line)).length;

  void test('without the User’s groups, each group’s member list is read once per listing, not once per page', async () => {
    const proxy = proxies['scim2-server'];
    const connector = new ScimConnector(configFor(proxy.url('/v2')));
    try {
      const before = proxy.log.length;
      const pages = await listAll([connector]);
      assert.equal(pages.length, 3);
      assert.equal(memberListReads(proxy, before), GROUPS.length);
      const second = proxy.log.length;
      await listAll([connector]);
      assert.equal(memberListReads(proxy, second), GROUPS.length, 'a new listing reads the groups afresh');
      const users = proxy.log.slice(before).filter((line) => line.startsWith('GET /v2/Users?'));
      assert.equal(users.length, 6, 'one request a page');
      assert.ok(
        users.every((line) => line.includes('attributes=id%2CuserName%2Cactive%2Cgroups%2CexternalId')),
        'only the attributes a listing needs',
      );
    } finally {
      await connector.close();
    }
  });

  void test('where the User’s groups prove true, a listing reads no group’s member list after the first check', async () => {
    const proxy = proxies['django-scim2'];
    const connector = new ScimConnector(configFor(proxy.url('/scim/v2')));
    try {
      const before = proxy.log.length;
      await listAll([connector]);
      assert.equal(memberListReads(proxy, before), GROUPS.length, 'checked once against the groups');
      const second = proxy.log.length;
      const listed = (await listAll([connector])).flatMap((p) => p.accounts);
      assert.equal(memberListReads(proxy, second), 0);
      assert.deepEqual(listed.find((a) => a.userName === 'list.owned')?.entitlements, ['staff', 'team']);
    } finally {
      await connector.close();
    }
  });
});

void describe('listAccounts: a listing that cannot be trusted says so', () => {
  let server: ScimServer;
  let proxy: ScimQuirksProxy;

  before(async () => {
    server = await start('scim2-server');
    await makeAccounts(server);
    proxy = await startScimQuirksProxy({ baseUrl: server.baseUrl, token: TOKEN }, [
      'forced-paging',
      'start-index-ignored',
    ]);
  });

  after(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  void test('a server that answers the first page again is unverifiable, never a short listing', async () => {
    const connector = new ScimConnector(configFor(proxy.baseUrl));
    try {
      const first = await connector.listAccounts({ pageSize: PAGE_SIZE });
      assert.equal(first.unverifiable, undefined);
      assert.equal(first.accounts.length, 2, 'the server pages two at a time');
      assert.ok(first.next);
      const second = await connector.listAccounts({ cursor: first.next, pageSize: PAGE_SIZE });
      assert.deepEqual(second.accounts, []);
      assert.equal(second.next, undefined);
      assert.match(second.unverifiable ?? '', /does not page.*stops after 2 of 8 accounts/);
    } finally {
      await connector.close();
    }
  });

  void test('a page the server refuses ends the listing there, unverifiable; one it cannot answer now is retried', async () => {
    const faults = await startFaultProxy(server.port);
    const connector = new ScimConnector(configFor(faults.url('/v2')));
    try {
      const first = await connector.listAccounts({ pageSize: PAGE_SIZE });
      assert.equal(first.unverifiable, undefined);
      faults.failNext(1, 403);
      const refused = await connector.listAccounts({ cursor: first.next, pageSize: PAGE_SIZE });
      assert.deepEqual(refused.accounts, []);
      assert.equal(refused.next, undefined);
      assert.match(
        refused.unverifiable ?? '',
        /answered 403.*refused the page from startIndex 4, so the listing stops after 3 accounts/,
      );
      faults.failNext(1, 503);
      await assert.rejects(
        connector.listAccounts({ cursor: first.next, pageSize: PAGE_SIZE }),
        TransientConnectorError,
      );
      const again = await connector.listAccounts({ cursor: first.next, pageSize: PAGE_SIZE });
      assert.equal(again.unverifiable, undefined);
      assert.equal(again.accounts.length, PAGE_SIZE);
    } finally {
      await connector.close();
      await faults.stop();
    }
  });

  void test('accounts removed between two pages make the later page unverifiable', async () => {
    const connector = new ScimConnector(configFor(server.baseUrl));
    try {
      const first = await connector.listAccounts({ pageSize: PAGE_SIZE });
      assert.equal(first.unverifiable, undefined);
      await raw(server, 'DELETE', `/Users/${first.accounts[0]!.accountId}`);
      const second = await connector.listAccounts({ cursor: first.next, pageSize: PAGE_SIZE });
      assert.match(second.unverifiable ?? '', /went from 8 to 7 while they were listed/);
    } finally {
      await connector.close();
    }
  });
});
