// The second SCIM service provider (django-scim2) is usable: plain requests, no connector, so that the
// connector tests can rely on it. Its deviations are listed in scripts/lib/django-scim-server.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDjangoScimServer } from '../../scripts/lib/django-scim-server';
import { createScimGroups, type ScimServer } from '../../scripts/lib/scim-server';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const TOKEN = 'second-scim-test-token';

let server: ScimServer;

interface RawUser {
  id: string;
  userName: string;
  externalId?: string;
  active?: boolean;
  groups?: { value: string }[];
}

interface RawGroup {
  id: string;
  displayName: string;
  members?: { value: string }[];
}

async function raw(
  method: string,
  path: string,
  body?: unknown,
  token = TOKEN,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/scim+json',
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text && response.headers.get('content-type')?.includes('json');
  return { status: response.status, body: json ? (JSON.parse(text) as unknown) : text };
}

async function list<T>(resource: 'Users' | 'Groups', filter: string): Promise<T[]> {
  const { status, body } = await raw('GET', `/${resource}?${new URLSearchParams({ filter }).toString()}`);
  assert.equal(status, 200, JSON.stringify(body));
  return (body as { Resources?: T[] }).Resources ?? [];
}

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

before(async () => {
  server = await startDjangoScimServer({ token: TOKEN });
  await createScimGroups(server, ['engineering', 'finance']);
});

after(async () => {
  await server?.stop();
});

void test('every request needs the bearer token', async () => {
  assert.equal((await raw('GET', '/Users', undefined, 'wrong-token')).status, 401);
  assert.equal((await raw('GET', '/ServiceProviderConfig', undefined, 'wrong-token')).status, 401);
  const { status, body } = await raw('GET', '/ServiceProviderConfig');
  assert.equal(status, 200);
  assert.equal((body as { patch: { supported: boolean } }).patch.supported, true);
});

void test('groups made with createScimGroups exist once and are found by displayName', async () => {
  await createScimGroups(server, ['engineering']); // a second time: 409, tolerated
  const found = await list<RawGroup>('Groups', 'displayName eq "engineering"');
  assert.deepEqual(
    found.map((g) => g.displayName),
    ['engineering'],
  );
});

void test('a user is created, found, added to a group and removed, disabled, and deleted', async () => {
  const created = await raw('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'ada.second@jml-test',
    externalId: 'E3001',
    name: { givenName: 'Ada', familyName: 'Second' },
    emails: [{ value: 'ada.second@example.com', primary: true }],
    active: true,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const user = created.body as RawUser;
  assert.equal(user.externalId, 'E3001');

  const again = await raw('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ada.second@jml-test' });
  assert.equal(again.status, 409, 'a duplicate userName is refused');

  const byName = await list<RawUser>('Users', 'userName eq "ada.second@jml-test"');
  assert.deepEqual(
    byName.map((u) => u.id),
    [user.id],
  );

  const [group] = await list<RawGroup>('Groups', 'displayName eq "engineering"');
  assert.ok(group);
  const added = await raw(
    'PATCH',
    `/Groups/${group.id}`,
    patch({ op: 'add', path: 'members', value: [{ value: user.id }] }),
  );
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const withMember = await raw('GET', `/Groups/${group.id}`);
  assert.deepEqual(
    (withMember.body as RawGroup).members?.map((m) => m.value),
    [user.id],
  );
  const member = await raw('GET', `/Users/${user.id}`);
  assert.deepEqual(
    (member.body as RawUser).groups?.map((g) => g.value),
    [group.id],
  );

  const removed = await raw(
    'PATCH',
    `/Groups/${group.id}`,
    patch({ op: 'remove', path: 'members', value: [{ value: user.id }] }),
  );
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  const withoutMember = await raw('GET', `/Groups/${group.id}`);
  assert.deepEqual((withoutMember.body as RawGroup).members ?? [], []);

  const disabled = await raw(
    'PATCH',
    `/Users/${user.id}`,
    patch({ op: 'replace', path: 'active', value: false }),
  );
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal(((await raw('GET', `/Users/${user.id}`)).body as RawUser).active, false);

  assert.equal((await raw('DELETE', `/Users/${user.id}`)).status, 204);
  assert.equal((await raw('GET', `/Users/${user.id}`)).status, 404);
  assert.deepEqual(await list<RawUser>('Users', 'userName eq "ada.second@jml-test"'), []);
});
