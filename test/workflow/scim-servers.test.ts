// The leaver's promise on every kind of SCIM server: scim2-server, django-scim2 (written
// independently), and scim2-server made to behave like the servers found in the wild (one quirk
// each, test/support/scim-quirks-proxy.ts). For each, a hire; a second hire whose userName is the
// first person's account (refused); both their leavers; and after each step the server itself is
// read directly: the other person's account is never touched, and no leaver is verified while any
// access remains.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdentityResult } from '../../domain/lifecycle';
import { NeedsAttentionKey } from '../../workflows/messages';
import { startDjangoScimServer } from '../../scripts/lib/django-scim-server';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import type { AppSpec } from '../support/config';
import { buildConfig } from '../support/config';
import { identityClient } from '../support/identity-client';
import { employee, hrEvent } from '../support/people';
import { startScimQuirksProxy, type ScimQuirk, type ScimQuirksProxy } from '../support/scim-quirks-proxy';
import { startTestWorker, type TestWorker } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'scim-servers-test-token';
const GROUPS = ['staff', 'team'];
const ENTERPRISE_EMPLOYEE_NUMBER =
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber';

interface Scenario {
  appId: string;
  label: string;
  server: 'scim2-server' | 'django-scim2';
  quirks: ScimQuirk[];
  deprovision: 'disable' | 'delete';
  /** Application settings beyond the defaults. */
  settings?: Record<string, unknown>;
  /**
   * The first person's account carries no owner the server keeps, so the second person's leaver
   * cannot show it is not theirs: it stays unverifiable for a person to resolve.
   */
  ownerUnknowable?: boolean;
}

const SCENARIOS: Scenario[] = [
  { appId: 'plain', label: 'scim2-server', server: 'scim2-server', quirks: [], deprovision: 'disable' },
  { appId: 'django', label: 'django-scim2', server: 'django-scim2', quirks: [], deprovision: 'delete' },
  {
    appId: 'ignored',
    label: 'filters ignored',
    server: 'scim2-server',
    quirks: ['filter-ignored'],
    deprovision: 'disable',
  },
  {
    appId: 'nomemberfilter',
    label: 'members.value filter unsupported',
    server: 'scim2-server',
    quirks: ['member-filter-unsupported'],
    deprovision: 'disable',
  },
  {
    appId: 'usernames',
    label: 'userNames in members.value',
    server: 'scim2-server',
    quirks: ['usernames-as-members'],
    deprovision: 'delete',
  },
  {
    appId: 'paged',
    label: 'forced paging',
    server: 'scim2-server',
    quirks: ['forced-paging'],
    deprovision: 'disable',
  },
  {
    appId: 'pagedignored',
    label: 'forced paging with filters ignored (the account beyond the first page)',
    server: 'scim2-server',
    quirks: ['forced-paging', 'filter-ignored'],
    deprovision: 'disable',
  },
  {
    appId: 'nocount',
    label: 'count rejected',
    server: 'scim2-server',
    quirks: ['count-rejected'],
    deprovision: 'disable',
  },
  {
    appId: 'remove501',
    label: '501 on the filtered member-removal path',
    server: 'scim2-server',
    quirks: ['filtered-remove-501'],
    deprovision: 'disable',
  },
  {
    appId: 'noexternalid',
    label: 'externalId dropped',
    server: 'scim2-server',
    quirks: ['externalid-dropped'],
    deprovision: 'disable',
    ownerUnknowable: true,
  },
  {
    appId: 'employeenumber',
    label: 'externalId dropped, owner kept in the enterprise employeeNumber',
    server: 'scim2-server',
    quirks: ['externalid-dropped'],
    deprovision: 'disable',
    settings: { ownerAttribute: ENTERPRISE_EMPLOYEE_NUMBER },
  },
  {
    appId: 'nonunique',
    label: 'userNames not unique',
    server: 'scim2-server',
    quirks: ['non-unique-usernames'],
    deprovision: 'disable',
  },
];

interface RawUser {
  id: string;
  userName: string;
  active?: boolean;
}

/** The server itself, read without the connector or the proxy: the independent view of the truth. */
class DirectView {
  constructor(private readonly server: ScimServer) {}

  async get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.server.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${this.server.token}`, accept: 'application/scim+json' },
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** Every user, read page by page with a page size the servers accept. */
  async users(): Promise<RawUser[]> {
    const all: RawUser[] = [];
    for (let start = 1; ; start += 50) {
      const { body } = await this.get(`/Users?startIndex=${start}&count=50`);
      const page = (body as { Resources?: RawUser[] }).Resources ?? [];
      all.push(...page);
      if (page.length < 50) return all;
    }
  }

  /** Users whose userName is this one, as stored (a duplicate's suffix included). */
  async usersNamed(userName: string): Promise<RawUser[]> {
    const name = (u: RawUser) => u.userName.replace(/~dup\d+$/, '').toLowerCase();
    return (await this.users()).filter((u) => name(u) === userName.toLowerCase());
  }

  /** The groups whose member list holds this user, read one by one. */
  async groupsOf(user: RawUser): Promise<string[]> {
    const { body } = await this.get('/Groups?count=50');
    const held: string[] = [];
    for (const { id, displayName } of (body as { Resources: { id: string; displayName: string }[] })
      .Resources) {
      const group = (await this.get(`/Groups/${encodeURIComponent(id)}`)).body as {
        members?: { value: string }[];
      };
      if ((group.members ?? []).some((m) => m.value === user.id || m.value === user.userName))
        held.push(displayName);
    }
    return held.sort();
  }
}

const servers: ScimServer[] = [];
const proxies: ScimQuirksProxy[] = [];
const views = new Map<string, DirectView>();
let worker: TestWorker;
const settings = { joinerLeadTimeMs: 0, maxRetryIntervalMs: 1000 };
const { send, handleOf, statusOf } = identityClient(
  () => worker,
  () => settings,
);

before(async () => {
  const applications: AppSpec[] = await Promise.all(
    SCENARIOS.map(async (s): Promise<AppSpec> => {
      const server =
        s.server === 'django-scim2'
          ? await startDjangoScimServer({ token: TOKEN })
          : await startScimServer({ token: TOKEN });
      servers.push(server);
      await createScimGroups(server, GROUPS);
      await createFillerUsers(server, 5);
      views.set(s.appId, new DirectView(server));
      let baseUrl = server.baseUrl;
      if (s.quirks.length) {
        const proxy = await startScimQuirksProxy(server, s.quirks);
        proxies.push(proxy);
        baseUrl = proxy.baseUrl;
      }
      return {
        id: s.appId,
        kind: 'scim',
        baseUrl,
        token: { env: 'TOKEN' },
        deprovision: s.deprovision,
        ...s.settings,
      };
    }),
  );
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications,
    roles: SCENARIOS.map((s) => ({
      id: s.appId,
      when: { department: [s.appId] },
      grants: { [s.appId]: GROUPS },
    })),
  });
  worker = await startTestWorker(loaded);
});

after(async () => {
  await worker?.stop();
  await Promise.all([...proxies.map((p) => p.stop()), ...servers.map((s) => s.stop())]);
});

/** Accounts of people who are not part of the scenario, so lists have more than one page where paged. */
async function createFillerUsers(server: ScimServer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${server.baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `filler.${i}.${Math.random().toString(36).slice(2)}`,
        externalId: `F${i}`,
        active: true,
      }),
    });
    assert.equal(response.status, 201);
  }
}

function appReport(result: IdentityResult, appId: string) {
  const report = result.leaver.applications.find((a) => a.appId === appId);
  assert.ok(report, `the leaver reports ${appId}`);
  return report;
}

void describe('one hire, a refused hire of the same account, and both leavers', { concurrency: true }, () => {
  for (const scenario of SCENARIOS) {
    void test(scenario.label, { timeout: 60_000 }, async () => {
      const { appId } = scenario;
      const view = views.get(appId)!;
      const first = employee({ department: appId });
      const second = employee({ department: appId, userName: first.userName });

      await send(hrEvent('hire', first));
      await eventually(`${first.id} active`, async () => (await statusOf(first.id)).stage === 'active');
      const [account, ...others] = await view.usersNamed(first.userName);
      assert.ok(account, 'the first person has an account');
      assert.equal(others.length, 0, 'and only one');
      assert.deepEqual(await view.groupsOf(account), GROUPS);

      // The second hire finds the first person's account under the same userName and must not take it.
      await send(hrEvent('hire', second));
      const refused = await eventually(`${second.id}'s hire refused in ${appId}`, async () => {
        const app = (await statusOf(second.id)).apps.find((a) => a.appId === appId);
        return app?.status === 'failing' && app;
      });
      assert.match(refused.lastProblem ?? '', /belongs to another employee|exists without/);
      assert.equal((await view.usersNamed(first.userName)).length, 1, 'no second account was created');

      await send(hrEvent('terminate', second, { urgent: true }));
      if (scenario.ownerUnknowable) {
        const app = await eventually(`${second.id}'s leaver unverifiable in ${appId}`, async () => {
          const status = await statusOf(second.id);
          const found = status.apps.find((a) => a.appId === appId);
          return status.stage === 'leaving' && found?.status === 'unverifiable' && found;
        });
        assert.match(app.lastProblem ?? '', /cannot show it is/);
        assert.equal(
          (await handleOf(second.id).describe()).typedSearchAttributes.get(NeedsAttentionKey),
          true,
        );
        await handleOf(second.id).terminate('test: the account needs a person to say whose it is');
      } else {
        const report = appReport(await handleOf(second.id).result(), appId);
        assert.equal(report.outcome, 'held-by-other');
        assert.equal(report.heldBy, first.id);
        assert.deepEqual(report.revoked, []);
        assert.equal(
          (await handleOf(second.id).describe()).typedSearchAttributes.get(NeedsAttentionKey),
          true,
        );
      }
      const untouched = (await view.get(`/Users/${encodeURIComponent(account.id)}`)).body as RawUser;
      assert.notEqual(untouched.active, false, "the first person's account is still active");
      assert.deepEqual(await view.groupsOf(account), GROUPS, 'and keeps its groups');

      await send(hrEvent('terminate', first, { urgent: true }));
      const report = appReport(await handleOf(first.id).result(), appId);
      assert.equal(report.outcome, 'verified');
      assert.deepEqual(report.revoked, GROUPS);
      const gone = await view.get(`/Users/${encodeURIComponent(account.id)}`);
      if (scenario.deprovision === 'delete') {
        assert.equal(gone.status, 404, 'the account is deleted');
      } else {
        assert.equal((gone.body as RawUser).active, false, 'the account is disabled');
      }
      assert.deepEqual(await view.groupsOf(account), [], 'no group holds the leaver any more');
    });
  }
});
