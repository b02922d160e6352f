// `npm start` with JML_SAMPLES=keycloak,postgres, as the README's "Applications with sessions" runs
// it: the Keycloak and PostgreSQL samples come up beside the SCIM ones, recorded in the run record;
// the example hire through the HTTP API gives Ada what config/policy.yaml says in both; her sessions
// there end with the example termination, read back in the servers themselves; and Ctrl-C stops
// both servers. One `npm start` for the file (Keycloak takes many seconds to start), on ports and a
// data directory of its own (a copy of config/jml.yaml, JML_DATA_DIR).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeIdentifier, type Client } from 'pg';
import { parse, stringify } from 'yaml';
import { signPayload } from '../../api/signature';
import type { IdentityStatus } from '../../domain/lifecycle';
import { keycloakHome } from '../../scripts/lib/keycloak';
import { adminClient, type AdminCall } from '../../scripts/lib/keycloak-realm';
import { freePort } from '../../scripts/lib/ports';
import { groupAlive } from '../../scripts/lib/processes';
import { refreshStatus, signIn, type SignInTarget } from '../support/keycloak';
import { connectAs } from '../support/postgres';
import { eventually } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const PASSWORD = 'Ada-secret-1815';
const START_DEADLINE_MS = 240_000;

interface SampleEntry {
  kind: string;
  port: number;
  realm?: string;
  database?: string;
}

let dir: string;
let npm: ChildProcess;
let output = '';
let exited: Promise<number | null>;
let ports: { api: number; keycloak: number; postgres: number };
let sample: { realm: string; database: string };
let secrets: Record<string, string>;
let recorded: { pid: number; command: string }[] = [];

before(async () => {
  // The Keycloak install (a download on a fresh machine) is not part of what the start waits for.
  keycloakHome();
  dir = mkdtempSync(join(tmpdir(), 'jml-start-samples-'));
  // PostgreSQL runs as the `postgres` user under root: it must be able to reach the data directory.
  chmodSync(dir, 0o755);
  const config = parse(readFileSync(join(ROOT, 'config', 'jml.yaml'), 'utf8')) as {
    http: { port: number };
    applications: { baseUrl?: string }[];
    samples: SampleEntry[];
    policy?: string;
  };
  for (const entry of config.samples) {
    const port = await freePort();
    for (const app of config.applications) app.baseUrl = app.baseUrl?.replace(`:${entry.port}/`, `:${port}/`);
    entry.port = port;
  }
  const of = (kind: string) => config.samples.find((s) => s.kind === kind)!;
  ports = { api: await freePort(), keycloak: of('keycloak').port, postgres: of('postgres').port };
  sample = { realm: of('keycloak').realm!, database: of('postgres').database! };
  config.http.port = ports.api;
  config.policy = join(ROOT, 'config', config.policy ?? 'policy.yaml');
  writeFileSync(join(dir, 'jml.yaml'), stringify(config));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JML_CONFIG: join(dir, 'jml.yaml'),
    JML_DATA_DIR: join(dir, 'data'),
    JML_TEMPORAL_PORT: String(await freePort()),
    JML_TEMPORAL_UI_PORT: String(await freePort()),
    JML_LOG_FORMAT: 'json',
    JML_SAMPLES: 'keycloak,postgres',
  };
  delete env.TEMPORAL_ADDRESS;
  for (const name of ['JML_HR_WEBHOOK_SECRET', 'JML_API_TOKEN', 'SAMPLE_ADMIN_PASSWORD']) delete env[name];
  // In a process group of its own, as a shell runs it, so that Ctrl-C can be sent to all of it.
  npm = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  exited = new Promise((done) => npm.once('exit', (code) => done(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  await eventually(
    'npm start to come up',
    () => {
      if (ended) throw new Error(`npm start ended:\n${output}`);
      return Promise.resolve(output.includes('jml is running'));
    },
    START_DEADLINE_MS,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${output.slice(-4000)}`);
  });
  // npm start generated them, as it does for a new user: the README reads them from the same file.
  secrets = JSON.parse(readFileSync(join(dir, 'data', 'dev-secrets.json'), 'utf8')) as Record<string, string>;
});

after(async () => {
  if (npm?.exitCode === null && npm.signalCode === null) {
    process.kill(-npm.pid!, 'SIGKILL');
    await exited;
  }
  for (const group of recorded) if (groupAlive(group.pid)) process.kill(-group.pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const api = (path: string) => `http://127.0.0.1:${ports.api}${path}`;
const keycloak = (): SignInTarget => ({
  server: { baseUrl: `http://127.0.0.1:${ports.keycloak}` },
  realm: sample.realm,
  loginClientId: 'app',
});
const keycloakAdmin = (): AdminCall =>
  adminClient({ ...keycloak().server, adminUser: 'admin', adminPassword: secrets.SAMPLE_ADMIN_PASSWORD! });
const postgres = () => ({ host: '127.0.0.1', port: ports.postgres, database: sample.database });
const asPostgres = <T>(work: (client: Client) => Promise<T>) =>
  connectAs(postgres(), 'postgres', secrets.SAMPLE_ADMIN_PASSWORD!, work);

function sendExample(file: string): Promise<Response> {
  const body = readFileSync(join(ROOT, 'examples', file), 'utf8');
  return fetch(api('/v1/hr/events'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-jml-signature': signPayload(body, secrets.JML_HR_WEBHOOK_SECRET!),
    },
    body,
  });
}

async function status(): Promise<IdentityStatus | undefined> {
  const response = await fetch(api('/v1/identities/E1001'), {
    headers: { authorization: `Bearer ${secrets.JML_API_TOKEN}` },
  });
  return response.status === 404 ? undefined : ((await response.json()) as IdentityStatus);
}

/** Opens a connection as Ada and keeps it open until the server ends it. */
function openConnection(): Promise<Client> {
  return new Promise((resolve, reject) => {
    connectAs(postgres(), 'ada.lovelace', PASSWORD, (client) => {
      client.on('error', () => undefined);
      resolve(client);
      return new Promise<void>((done) => client.once('end', done));
    }).catch(reject);
  });
}

async function backendsOfAda(): Promise<number> {
  return asPostgres(async (c) => {
    const { rows } = await c.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'ada.lovelace'",
    );
    return rows[0]!.n;
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => (socket.destroy(), done(false)));
  });
}

void test('comes up with the Keycloak and PostgreSQL samples, recorded in the run record', async () => {
  assert.match(output, /"msg":"sample Keycloak started"/);
  assert.match(output, /"msg":"sample PostgreSQL started"/);
  const record = JSON.parse(readFileSync(join(dir, 'data', 'start.pids'), 'utf8')) as {
    groups: { pid: number; command: string }[];
    ports: number[];
  };
  recorded = record.groups;
  const commands = record.groups.map((g) => g.command);
  assert.ok(commands.includes('keycloak'), commands.join(', '));
  assert.ok(commands.includes(`postgres :${ports.postgres}`), commands.join(', '));
  assert.ok(record.ports.includes(ports.keycloak) && record.ports.includes(ports.postgres));
  // The PostgreSQL cluster lives in the data directory.
  assert.ok(existsSync(join(dir, 'data', 'samples', 'postgres', 'data', 'PG_VERSION')));
  assert.equal((await fetch(api('/readyz'))).status, 200);
});

void test('the example hire then termination through the HTTP API ends Ada’s sessions in both, read back as none', async () => {
  assert.equal((await sendExample('hire.json')).status, 202);
  const active = await eventually('the joiner to finish', async () => {
    const s = await status();
    return s?.stage === 'active' && s;
  });
  assert.deepEqual(active.plan?.apps.sso, ['engineering', 'staff']);
  assert.deepEqual(active.plan?.apps.warehouse, ['analysts']);

  // What the applications hold, asked of them; then Ada's password, set as their administrators would.
  const admin = keycloakAdmin();
  const realm = `/admin/realms/${sample.realm}`;
  const [user] = (await admin('GET', `${realm}/users?username=ada.lovelace&exact=true`)) as { id: string }[];
  assert.ok(user, 'Keycloak has Ada');
  const groups = (await admin('GET', `${realm}/users/${user.id}/groups`)) as { name: string }[];
  assert.deepEqual(groups.map((g) => g.name).sort(), ['engineering', 'staff']);
  await admin('PUT', `${realm}/users/${user.id}/reset-password`, {
    type: 'password',
    value: PASSWORD,
    temporary: false,
  });
  const memberOf = await asPostgres(async (c) => {
    const { rows } = await c.query<{ rolname: string }>(
      `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
         JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'ada.lovelace'`,
    );
    await c.query(`ALTER ROLE ${escapeIdentifier('ada.lovelace')} PASSWORD '${PASSWORD}'`);
    return rows.map((r) => r.rolname);
  });
  assert.deepEqual(memberOf, ['analysts']);

  const tokens = await signIn(keycloak(), 'ada.lovelace', PASSWORD);
  const connection = await openConnection();
  assert.equal(await backendsOfAda(), 1);

  assert.equal((await sendExample('terminate.json')).status, 202);
  const left = await eventually('the leaver to finish', async () => {
    const s = await status();
    return s?.stage === 'left' && s.lastLeaver && s;
  });
  const report = Object.fromEntries(left.lastLeaver!.applications.map((a) => [a.appId, a]));
  assert.equal(report.sso?.sessionsEnded, 1);
  assert.equal(report.sso?.verifiedState.openSessions, 0);
  assert.equal(report.warehouse?.sessionsEnded, 1);
  assert.equal(report.warehouse?.verifiedState.openSessions, 0);

  const sessions = (await admin('GET', `${realm}/users/${user.id}/sessions`)) as unknown[];
  assert.equal(sessions.length, 0);
  assert.equal(await refreshStatus(keycloak(), tokens.refresh_token), 400);
  assert.equal(await backendsOfAda(), 0);
  await assert.rejects(connection.query('SELECT 1'));
});

void test('Ctrl-C stops the Keycloak and PostgreSQL samples with everything else', async () => {
  process.kill(-npm.pid!, 'SIGINT');
  assert.equal(await exited, 0, output.slice(-3000));
  const survivors = () => recorded.filter((g) => groupAlive(g.pid)).map((g) => g.command);
  await eventually(
    'every process group of the run to end',
    () => Promise.resolve(survivors().length === 0),
    10_000,
  ).catch(() => assert.fail(`still running: ${survivors().join(', ')}`));
  assert.equal(await accepts(ports.keycloak), false, 'Keycloak no longer listens');
  assert.equal(await accepts(ports.postgres), false, 'PostgreSQL no longer listens');
  assert.ok(!existsSync(join(dir, 'data', 'samples', 'postgres')), 'the cluster is removed');
  assert.ok(!existsSync(join(dir, 'data', 'start.pids')), 'the run record is removed');
});
