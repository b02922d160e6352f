// The whole system against the two kinds of application with sessions: a hire through the HTTP API
// creates a Keycloak user and a PostgreSQL role; the person then signs in to both; the termination
// ends every session, and the leaver's report says how many and that none was read back. Each
// outcome is also checked in the servers themselves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeIdentifier, type Client } from 'pg';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import type { HrEvent } from '../../domain/hr-event';
import type { IdentityStatus } from '../../domain/lifecycle';
import { startService, type RunningService } from '../../workers/service';
import { buildConfig, type AppSpec } from '../support/config';
import {
  adminClient,
  refreshStatus,
  signIn,
  startKeycloakRealm,
  type KeycloakRealm,
} from '../support/keycloak';
import { employee, hrEvent } from '../support/people';
import { asSuperuser, connectAs, startPostgres, type PostgresServer } from '../support/postgres';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { openTestEvidenceStore } from '../support/evidence';

const HR_SECRET = 'test-hr-secret';
const API_TOKEN = 'test-api-token';
const PASSWORD = 'Person-secret-1';
let kc: KeycloakRealm;
let pg: PostgresServer;
let service: RunningService;
let admin: ReturnType<typeof adminClient>;

before(async () => {
  [kc, pg] = await Promise.all([startKeycloakRealm(), startPostgres()]);
  admin = adminClient(kc.server);
  await admin('POST', `/admin/realms/${kc.realm}/groups`, { name: 'engineering' });
  await asSuperuser(pg, async (c) => {
    for (const role of ['data_owner', 'analysts']) await c.query(`CREATE ROLE ${role} NOLOGIN`);
  });
  // AppSpec names the kinds the older tests use; the schema below validates these like any other.
  const applications = [
    {
      id: 'sso',
      kind: 'keycloak',
      baseUrl: kc.server.baseUrl,
      realm: kc.realm,
      clientId: kc.clientId,
      clientSecret: { env: 'KEYCLOAK_SECRET' },
    },
    {
      id: 'warehouse',
      kind: 'postgres',
      host: pg.host,
      port: pg.port,
      database: pg.database,
      user: pg.user,
      password: { env: 'PG_PASSWORD' },
      owner: 'data_owner',
    },
  ] as unknown as AppSpec[];
  const loaded = buildConfig({
    secrets: { KEYCLOAK_SECRET: kc.clientSecret, PG_PASSWORD: pg.password },
    applications,
    roles: [{ id: 'eng', grants: { sso: ['engineering'], warehouse: ['analysts'] } }],
  });
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `sessions-e2e-${Date.now()}` },
    logger: createLogger('sessions-e2e').child({}, { level: 'warn' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
});

after(async () => {
  await service?.stop();
  await Promise.all([kc?.stop(), pg?.stop()]);
});

function sendEvent(event: HrEvent): Promise<Response> {
  const body = JSON.stringify(event);
  return fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, HR_SECRET) },
    body,
  });
}

async function status(employeeId: string): Promise<IdentityStatus | undefined> {
  const response = await fetch(`${service.apiUrl}/v1/identities/${employeeId}`, {
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  if (response.status === 404) return undefined;
  return (await response.json()) as IdentityStatus;
}

/** Opens a connection as the person and keeps it open until the server ends it. */
function openConnection(userName: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    connectAs(pg, userName, PASSWORD, (client) => {
      client.on('error', () => undefined);
      resolve(client);
      return new Promise<void>((done) => client.once('end', done));
    }).catch(reject);
  });
}

async function backendsOf(userName: string): Promise<number> {
  return asSuperuser(pg, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
      [userName],
    );
    return rows[0]!.n;
  });
}

void test('hire then terminate: the person’s Keycloak and PostgreSQL sessions are ended and read back as none', async () => {
  const person = employee({ department: 'Engineering' });
  assert.equal((await sendEvent(hrEvent('hire', person))).status, 202);
  await eventually('the joiner to finish', async () => (await status(person.id))?.stage === 'active');

  // The person's credentials are set by the applications' administrators, not by jml.
  const [kcUser] = (await admin(
    'GET',
    `/admin/realms/${kc.realm}/users?username=${person.userName}&exact=true`,
  )) as { id: string }[];
  assert.ok(kcUser, 'Keycloak has the user');
  await admin('PUT', `/admin/realms/${kc.realm}/users/${kcUser.id}/reset-password`, {
    type: 'password',
    value: PASSWORD,
    temporary: false,
  });
  await asSuperuser(pg, (c) =>
    c.query(`ALTER ROLE ${escapeIdentifier(person.userName)} PASSWORD '${PASSWORD}'`),
  );

  const online = await signIn(kc, person.userName, PASSWORD);
  const offline = await signIn(kc, person.userName, PASSWORD, 'openid offline_access');
  const connections = [await openConnection(person.userName), await openConnection(person.userName)];
  assert.equal(await backendsOf(person.userName), 2);

  assert.equal((await sendEvent(hrEvent('terminate', person, { urgent: true }))).status, 202);
  const left = await eventually('the leaver to finish', async () => {
    const s = await status(person.id);
    return s?.stage === 'left' && s.lastLeaver && s;
  });
  const report = Object.fromEntries(left.lastLeaver!.applications.map((a) => [a.appId, a]));
  assert.equal(report.sso?.sessionsEnded, 3, 'two Keycloak sessions and one offline session');
  assert.equal(report.sso?.verifiedState.openSessions, 0);
  assert.deepEqual(report.sso?.revoked, ['engineering']);
  assert.equal(report.warehouse?.sessionsEnded, 2);
  assert.equal(report.warehouse?.verifiedState.openSessions, 0);
  assert.deepEqual(report.warehouse?.revoked, ['analysts']);

  assert.equal(await backendsOf(person.userName), 0);
  await assert.rejects(connections[0]!.query('SELECT 1'));
  await assert.rejects(
    openConnection(person.userName),
    /not permitted to log in|password authentication failed/,
  );
  const sessions = (await admin('GET', `/admin/realms/${kc.realm}/users/${kcUser.id}/sessions`)) as unknown[];
  assert.equal(sessions.length, 0);
  assert.equal(await refreshStatus(kc, online.refresh_token), 400);
  assert.equal(await refreshStatus(kc, offline.refresh_token), 400);
  await assert.rejects(signIn(kc, person.userName, PASSWORD), /disabled/i);
});
