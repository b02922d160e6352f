// The PostgreSQL connector against a real PostgreSQL cluster: roles, memberships, logins and
// backends are checked by the test's own connections, never by the connector's replies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { escapeIdentifier, type Client } from 'pg';
import type { PostgresApplicationConfig } from '../../domain/config';
import type { AccountProfile, ListedAccount } from '../../connectors/connector';
import { PermanentConnectorError, TransientConnectorError, UnverifiableError } from '../../connectors/errors';
import { PostgresConnector } from '../../connectors/postgres/postgres-connector';
import { freePort } from '../../scripts/lib/ports';
import { asSuperuser, connectAs, startPostgres, type PostgresServer } from '../support/postgres';

let server: PostgresServer;
let connector: PostgresConnector;
const PERSON_PASSWORD = 'person-secret';

function configFor(
  s: PostgresServer,
  overrides: Partial<PostgresApplicationConfig> = {},
): PostgresApplicationConfig {
  return {
    id: 'warehouse',
    kind: 'postgres',
    host: s.host,
    port: s.port,
    database: s.database,
    user: s.user,
    password: s.password,
    ssl: false,
    owner: 'data_owner',
    poolSize: 2,
    deprovision: 'disable',
    requestTimeout: 5_000,
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
    givenName: 'Ada',
    familyName: `Tester${sequence}`,
  };
}

const sql = (work: (client: Client) => Promise<unknown>) => asSuperuser(server, work);

interface RoleView {
  oid: string;
  canLogin: boolean;
  validUntil: string | null;
  comment: string | null;
  groups: string[];
}

/** The role as the superuser sees it in the catalogs. */
async function role(name: string): Promise<RoleView | undefined> {
  return asSuperuser(server, async (client) => {
    const { rows } = await client.query<RoleView>(
      `SELECT r.oid::text AS oid, r.rolcanlogin AS "canLogin", r.rolvaliduntil::text AS "validUntil",
              shobj_description(r.oid, 'pg_authid') AS comment,
              ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = r.oid ORDER BY 1) AS groups
         FROM pg_roles r WHERE r.rolname = $1`,
      [name],
    );
    return rows[0];
  });
}

/** Gives the person's role a password (set by the DBA, not by jml) so the test can sign in as them. */
async function setPassword(name: string): Promise<void> {
  await sql((c) => c.query(`ALTER ROLE ${escapeIdentifier(name)} PASSWORD '${PERSON_PASSWORD}'`));
}

function signInAs(name: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    connectAs(server, name, PERSON_PASSWORD, (client) => {
      // Keep the connection open: hand it out and wait until the test ends it (or the server does).
      resolve(client);
      return new Promise<void>((done) => client.once('end', done));
    }).catch(reject);
  });
}

async function backendsOf(name: string): Promise<number> {
  return asSuperuser(server, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
      [name],
    );
    return rows[0]!.n;
  });
}

before(async () => {
  server = await startPostgres();
  connector = new PostgresConnector(configFor(server));
  await sql(async (c) => {
    for (const name of ['analysts', 'engineering', 'data_owner', 'Ops "on-call", EU']) {
      await c.query(`CREATE ROLE ${escapeIdentifier(name)} NOLOGIN`);
    }
  });
});

after(async () => {
  await connector?.close();
  await server?.stop();
});

void test('ensureAccount creates a login role marked as the person’s, then adopts it without creating another', async () => {
  const p = person('create');
  const first = await connector.ensureAccount(p);
  const seen = await role(p.userName);
  assert.ok(seen);
  assert.deepEqual(first, { created: true, accountId: seen.oid });
  assert.equal(seen.canLogin, true);
  assert.equal(seen.comment, `jml:${p.employeeId}`);

  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId: seen.oid });
  const state = await connector.readState({ ...p, accountId: seen.oid });
  assert.deepEqual(state, {
    exists: true,
    active: true,
    entitlements: [],
    openSessions: 0,
    accountId: seen.oid,
  });
});

void test('ensureAccount refuses another employee’s role and an unmarked one, and never changes them', async () => {
  const other = person('other');
  const unmarked = person('unmarked');
  await sql(async (c) => {
    await c.query(`CREATE ROLE ${escapeIdentifier(other.userName)} NOLOGIN`);
    await c.query(`COMMENT ON ROLE ${escapeIdentifier(other.userName)} IS 'jml:E-owner'`);
    await c.query(`CREATE ROLE ${escapeIdentifier(unmarked.userName)} NOLOGIN IN ROLE analysts`);
  });

  await assert.rejects(connector.ensureAccount(other), (e) => {
    assert.ok(e instanceof PermanentConnectorError);
    assert.match(e.message, /E-owner.*refusing to adopt another person's account/);
    return true;
  });
  await assert.rejects(connector.ensureAccount(unmarked), PermanentConnectorError);

  const otherState = await connector.readState(other);
  assert.equal(otherState.heldBy, 'E-owner');
  assert.equal(otherState.exists, false);
  await connector.grant(other, 'engineering').then(
    () => assert.fail('granting through another person’s role must fail'),
    (e: unknown) => assert.ok(e instanceof PermanentConnectorError),
  );
  await connector.disable(other);
  await connector.revoke(other, 'engineering');
  await connector.delete(other);
  assert.equal((await role(other.userName))?.comment, 'jml:E-owner');

  assert.match((await connector.readState(unmarked)).unverifiable ?? '', /without a jml owner comment/);
  await assert.rejects(connector.disable(unmarked), UnverifiableError);
  await assert.rejects(connector.revoke(unmarked, 'analysts'), UnverifiableError);
  await assert.rejects(connector.delete(unmarked), UnverifiableError);
  const untouched = await role(unmarked.userName);
  assert.deepEqual(untouched?.groups, ['analysts']);
  assert.equal(untouched?.canLogin, false);
});

void test('grant and revoke are idempotent and read back from the catalog', async () => {
  const p = person('grant');
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  await connector.grant(ref, 'engineering');
  await connector.grant(ref, 'engineering');
  await connector.grant(ref, 'analysts');
  assert.deepEqual((await role(p.userName))?.groups, ['analysts', 'engineering']);
  assert.deepEqual((await connector.readState(ref)).entitlements, ['analysts', 'engineering']);

  await connector.revoke(ref, 'engineering');
  await connector.revoke(ref, 'engineering');
  await connector.revoke(ref, 'no-such-role');
  assert.deepEqual((await role(p.userName))?.groups, ['analysts']);
  assert.deepEqual((await connector.readState(ref)).entitlements, ['analysts']);
});

void test('grant of a role that does not exist fails permanently and names it', async () => {
  const p = person('missing-group');
  await connector.ensureAccount(p);
  await assert.rejects(connector.grant(p, 'no-such-role'), (e) => {
    assert.ok(e instanceof PermanentConnectorError);
    assert.match(e.message, /"no-such-role" does not exist/);
    return true;
  });
});

void test('names with quotes, spaces and SQL in them are identifiers, never SQL', async () => {
  const p = { ...person('x'), userName: `Robert"); DROP ROLE analysts; --  'o"Brien` };
  const { accountId } = await connector.ensureAccount(p);
  await connector.grant({ ...p, accountId }, 'Ops "on-call", EU');
  const seen = await role(p.userName);
  assert.equal(seen?.oid, accountId);
  assert.deepEqual(seen?.groups, ['Ops "on-call", EU']);
  assert.ok(await role('analysts'), 'the analysts role is still there');
  assert.deepEqual((await connector.readState(p)).entitlements, ['Ops "on-call", EU']);
});

void test('a userName longer than PostgreSQL role names is refused rather than truncated', async () => {
  const p = { ...person('long'), userName: 'a'.repeat(64) };
  await assert.rejects(connector.ensureAccount(p), /longer than PostgreSQL's 63-byte role names/);
  assert.equal(await role('a'.repeat(63)), undefined);
});

void test('disable refuses the person’s next sign-in; a rehire’s ensureAccount lets them in again', async () => {
  const p = person('disable');
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  await setPassword(p.userName);
  const before = await signInAs(p.userName);
  await before.end();

  await connector.disable(ref);
  await connector.disable(ref);
  const seen = await role(p.userName);
  assert.equal(seen?.canLogin, false);
  assert.equal(seen?.validUntil, '-infinity');
  assert.equal((await connector.readState(ref)).active, false);
  await assert.rejects(signInAs(p.userName), /not permitted to log in|password authentication failed/);

  assert.deepEqual(await connector.ensureAccount(p), { created: false, accountId });
  assert.equal((await connector.readState(ref)).active, true);
  const after = await signInAs(p.userName);
  await after.end();
});

void test('terminateSessions ends the person’s open connections and the read-back shows none', async () => {
  const p = person('sessions');
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  await setPassword(p.userName);
  const connections = [await signInAs(p.userName), await signInAs(p.userName)];
  const ended = connections.map((c) => new Promise<void>((done) => c.once('end', done)));
  connections.forEach((c) => c.on('error', () => undefined));
  assert.equal(await backendsOf(p.userName), 2);
  assert.equal((await connector.readState(ref)).openSessions, 2);

  await connector.disable(ref);
  assert.equal(await connector.terminateSessions(ref), 2);
  await Promise.all(ended);
  await assert.rejects(connections[0]!.query('SELECT 1'));
  assert.equal(await backendsOf(p.userName), 0);
  assert.equal((await connector.readState(ref)).openSessions, 0);
  assert.equal(await connector.terminateSessions(ref), 0);
});

void test('delete ends sessions, hands owned objects to the owner and drops the role', async () => {
  const p = person('delete');
  const { accountId } = await connector.ensureAccount(p);
  const ref = { ...p, accountId };
  await connector.grant(ref, 'engineering');
  await sql(async (c) => {
    await c.query(`GRANT CREATE ON SCHEMA public TO ${escapeIdentifier(p.userName)}`);
  });
  await setPassword(p.userName);
  const session = await signInAs(p.userName);
  session.on('error', () => undefined);
  await session.query('CREATE TABLE public.person_report (id int)');

  await connector.delete(ref);
  assert.equal(await role(p.userName), undefined);
  assert.equal(await backendsOf(p.userName), 0);
  const owner = await asSuperuser(server, async (c) => {
    const { rows } = await c.query<{ owner: string }>(
      "SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'person_report'",
    );
    return rows[0]?.owner;
  });
  assert.equal(owner, 'data_owner');
  assert.deepEqual(await connector.readState(ref), {
    exists: false,
    active: false,
    entitlements: [],
    openSessions: 0,
  });
  await connector.delete(ref);
});

void test('a recorded oid finds the role after a rename; a stale oid falls back to the userName', async () => {
  const p = person('rename');
  const { accountId } = await connector.ensureAccount(p);
  const renamed = `${p.userName}.renamed`;
  await sql((c) =>
    c.query(`ALTER ROLE ${escapeIdentifier(p.userName)} RENAME TO ${escapeIdentifier(renamed)}`),
  );
  await connector.grant({ ...p, accountId }, 'analysts');
  assert.deepEqual((await role(renamed))?.groups, ['analysts']);
  const q = person('stale');
  const created = await connector.ensureAccount(q);
  assert.equal((await connector.readState({ ...q, accountId: '4000000000' })).accountId, created.accountId);
});

void test('connection refused is transient; a wrong password is permanent', async () => {
  const closed = new PostgresConnector(configFor(server, { port: await freePort(), requestTimeout: 2_000 }));
  await assert.rejects(closed.readState(person('refused')), TransientConnectorError);
  await closed.close();
  const wrong = new PostgresConnector(configFor(server, { password: 'wrong' }));
  await assert.rejects(wrong.readState(person('wrong')), (e) => {
    assert.ok(e instanceof PermanentConnectorError);
    assert.match(e.message, /28P01/);
    return true;
  });
  await wrong.close();
});

void test('listAccounts pages through every login role and every marked one, each once, with its owner, state and groups', async () => {
  const owned = person('list-owned');
  const unmarked = person('list-unmarked');
  const disabled = person('list-disabled');
  const expired = person('list-expired');
  const filler = Array.from({ length: 6 }, () => person('list-filler'));
  await sql(async (c) => {
    const create = async (p: AccountProfile, options: string, mark = true) => {
      await c.query(`CREATE ROLE ${escapeIdentifier(p.userName)} ${options}`);
      if (mark) await c.query(`COMMENT ON ROLE ${escapeIdentifier(p.userName)} IS 'jml:${p.employeeId}'`);
    };
    await create(owned, 'LOGIN IN ROLE analysts, engineering');
    await create(unmarked, 'LOGIN IN ROLE engineering', false);
    await create(disabled, "NOLOGIN VALID UNTIL '-infinity' IN ROLE analysts");
    await create(expired, "LOGIN VALID UNTIL '2000-01-01'");
    for (const p of filler) await create(p, 'LOGIN');
    // A group granted to a group: a role that cannot sign in and carries no mark is no account.
    await c.query('CREATE ROLE list_readers NOLOGIN IN ROLE analysts');
  });

  const listed: ListedAccount[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await connector.listAccounts({ cursor, pageSize: 3 });
    assert.equal(page.unverifiable, undefined);
    assert.ok(page.accounts.length <= 3);
    listed.push(...page.accounts);
    cursor = page.next;
    pages += 1;
  } while (cursor);
  assert.ok(pages >= 4, `several pages (${pages})`);

  // The catalog's own answer, read by the superuser: exactly these roles, each once.
  const expected = await asSuperuser(server, async (client) => {
    const { rows } = await client.query<{ oid: string }>(
      `SELECT oid::text AS oid FROM pg_roles
        WHERE rolcanlogin OR coalesce(shobj_description(oid, 'pg_authid'), '') LIKE 'jml:%' ORDER BY oid`,
    );
    return rows.map((r) => r.oid);
  });
  assert.deepEqual(
    listed.map((a) => a.accountId),
    expected,
  );
  const byName = (p: AccountProfile) => listed.find((a) => a.userName === p.userName);
  const oidOf = async (p: AccountProfile) => (await role(p.userName))!.oid;
  assert.deepEqual(byName(owned), {
    accountId: await oidOf(owned),
    userName: owned.userName,
    ownerId: owned.employeeId,
    active: true,
    entitlements: ['analysts', 'engineering'],
  });
  assert.deepEqual(byName(unmarked), {
    accountId: await oidOf(unmarked),
    userName: unmarked.userName,
    active: true,
    entitlements: ['engineering'],
  });
  assert.deepEqual(byName(disabled), {
    accountId: await oidOf(disabled),
    userName: disabled.userName,
    ownerId: disabled.employeeId,
    active: false,
    entitlements: ['analysts'],
  });
  assert.equal(byName(expired)?.active, false, 'a password past its VALID UNTIL cannot sign in');
  for (const p of filler) assert.equal(byName(p)?.ownerId, p.employeeId);
  assert.ok(
    listed.some((a) => a.userName === server.user && a.ownerId === undefined),
    'jml’s own role',
  );
  for (const group of ['analysts', 'engineering', 'list_readers', 'data_owner']) {
    assert.ok(!listed.some((a) => a.userName === group), `${group} is a group, not an account`);
  }
});

void test('listAccounts refuses a cursor it did not hand out', async () => {
  for (const cursor of ['not-a-cursor', Buffer.from('{"k":"scim","s":2}').toString('base64url')]) {
    await assert.rejects(connector.listAccounts({ cursor, pageSize: 3 }), (e) => {
      assert.ok(e instanceof PermanentConnectorError);
      assert.match(e.message, /listing cursor is not one/);
      return true;
    });
  }
  await assert.rejects(connector.listAccounts({ pageSize: 0 }), PermanentConnectorError);
});

void test('a listing the server refuses is unverifiable, never an empty cluster; one it cannot answer now is retried', async () => {
  const wrong = new PostgresConnector(configFor(server, { password: 'wrong' }));
  try {
    const page = await wrong.listAccounts({ pageSize: 3 });
    assert.deepEqual(page.accounts, []);
    assert.equal(page.next, undefined);
    assert.match(page.unverifiable ?? '', /28P01.*so the listing stops here/);
  } finally {
    await wrong.close();
  }
  const closed = new PostgresConnector(configFor(server, { port: await freePort(), requestTimeout: 2_000 }));
  try {
    await assert.rejects(closed.listAccounts({ pageSize: 3 }), TransientConnectorError);
  } finally {
    await closed.close();
  }
});
