// The mass-termination guard through the HTTP API and the CLI, against the real service, Temporal
// server and SCIM application: a termination beyond the limit is answered `held` and listed, a
// non-approver is refused at once with the reason, a personal token acts only as its holder, and a
// guard approver's release makes the person leave.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { issuePersonalToken } from '../../api/personal-token';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import type { HrEvent } from '../../domain/hr-event';
import { identityWorkflowId } from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { statusQuery } from '../../workflows/messages';
import { crmConfig } from '../support/config';
import { openTestEvidenceStore } from '../support/evidence';
import { employee, hrEvent } from '../support/people';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { Client, Connection } from '@temporalio/client';
import { testDataConverter } from '../support/encryption';

const TOKEN = 'guard-api-token';
const API_TOKEN = 'test-api-token';
const PERSONAL_SECRET = 'test-personal-token-secret';
const APPROVER = 'G0100';
let scim: ScimServer;
let service: RunningService;
let crm: ScimConnector;
let client: Client;

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['crm-users']);
  const built = crmConfig({ baseUrl: scim.baseUrl, token: TOKEN, group: 'crm-users' });
  // One termination an hour: the second is held.
  const loaded = {
    ...built,
    config: { ...built.config, guard: { enabled: true, maxTerminationsPerHour: 1, approvers: [APPROVER] } },
  };
  crm = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  service = await startService({
    evidence: await openTestEvidenceStore(),
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `guard-api-${Date.now()}` },
    logger: createLogger('guard-api-test').child({}, { level: 'error' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
  client = new Client({
    connection: await Connection.connect({ address: temporalAddress() }),
    dataConverter: testDataConverter(),
  });
});

after(async () => {
  await service?.stop();
  await client?.connection.close();
  await Promise.all([scim?.stop(), crm?.close()]);
});

function api(path: string, init: RequestInit = {}, token = API_TOKEN): Promise<Response> {
  return fetch(`${service.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
}

async function sendEvent(event: HrEvent): Promise<{ status: string; workflowId: string }> {
  const body = JSON.stringify(event);
  const response = await fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, 'test-hr-secret') },
    body,
  });
  assert.equal(response.status, 202);
  return (await response.json()) as { status: string; workflowId: string };
}

const stageOf = async (employeeId: string) => {
  const handle = client.workflow.getHandle(identityWorkflowId(employeeId));
  if ((await handle.describe()).status.name === 'COMPLETED') return 'left';
  return (await handle.query(statusQuery)).stage;
};

function jmlWith(
  extraEnv: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const cli = join(__dirname, '..', '..', 'cli', 'main.ts');
  const env = { ...process.env, JML_URL: service.apiUrl, JML_API_TOKEN: API_TOKEN, ...extraEnv };
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', cli, ...args], { env }, (error, out, err) => {
      done({ code: error ? Number(error.code ?? 1) : 0, out, err });
    });
  });
}

void test('a termination beyond the limit is held, listed, refused to a non-approver and released by a guard approver', async () => {
  const first = employee();
  const second = employee();
  for (const person of [first, second]) await sendEvent(hrEvent('hire', person));
  for (const person of [first, second]) {
    await eventually(`${person.id} to be active`, async () => (await stageOf(person.id)) === 'active');
  }

  assert.equal((await sendEvent(hrEvent('terminate', first))).status, 'accepted');
  const held = await sendEvent(hrEvent('terminate', second));
  assert.deepEqual(held, { ...held, status: 'held', workflowId: identityWorkflowId(second.id) });

  const guard = (await (await api('/v1/guard')).json()) as {
    enabled: boolean;
    running: boolean;
    limit: number;
    admittedInWindow: number;
    approvers: string[];
    held: { employeeId: string }[];
  };
  assert.equal(guard.enabled, true);
  assert.equal(guard.running, true);
  assert.equal(guard.limit, 1);
  assert.equal(guard.admittedInWindow, 1);
  assert.deepEqual(guard.approvers, [APPROVER]);
  assert.deepEqual(
    guard.held.map((h) => h.employeeId),
    [second.id],
  );
  const listed = await jmlWith({}, 'guard', 'status');
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /1 termination\(s\) held/);
  assert.ok(listed.out.includes(second.id));

  // Not a guard approver: refused at once with the reason (the CLI exits 1 with it).
  const refused = await api('/v1/guard/decisions', {
    method: 'POST',
    body: JSON.stringify({ approve: true, approver: 'X0001' }),
  });
  assert.equal(refused.status, 409);
  assert.deepEqual(await refused.json(), {
    error: 'decision_refused',
    message: `X0001 is not one of the guard's approvers (${APPROVER})`,
  });
  const cliRefused = await jmlWith({}, 'guard', 'approve', '--as', 'X0001');
  assert.equal(cliRefused.code, 1);
  assert.match(cliRefused.err, /X0001 is not one of the guard's approvers/);
  const invalid = await api('/v1/guard/decisions', {
    method: 'POST',
    body: JSON.stringify({ approve: 'yes' }),
  });
  assert.equal(invalid.status, 400);

  // A personal token acts only as its holder.
  const someoneElse = issuePersonalToken('X0001', PERSONAL_SECRET, 3_600_000);
  const asOther = await api(
    '/v1/guard/decisions',
    { method: 'POST', body: JSON.stringify({ approve: true, approver: APPROVER }) },
    someoneElse,
  );
  assert.equal(asOther.status, 403);
  assert.equal(await stageOf(second.id), 'active', 'nothing was released');

  const own = issuePersonalToken(APPROVER, PERSONAL_SECRET, 3_600_000);
  const released = await jmlWith(
    { JML_PERSONAL_TOKEN: own },
    'guard',
    'approve',
    '--reason',
    'confirmed with HR',
    '--json',
  );
  assert.equal(released.code, 0, released.err);
  const decision = JSON.parse(released.out) as {
    approver: string;
    via: string;
    employeeIds: string[];
    held: number;
  };
  assert.deepEqual(decision, {
    ...decision,
    approver: APPROVER,
    via: 'personal token',
    employeeIds: [second.id],
    held: 0,
  });

  await eventually(`${second.id} to have left`, async () => (await stageOf(second.id)) === 'left', 60_000);
  const { accountId: _, ...state } = await crm.readState({
    employeeId: second.id,
    userName: second.userName,
  });
  assert.deepEqual(state, { exists: true, active: false, entitlements: [], openSessions: null });
  const after = (await (await api('/v1/guard')).json()) as { held: unknown[] };
  assert.deepEqual(after.held, []);
});
