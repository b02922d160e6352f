// Approvals through the HTTP API against the real service, Temporal server and SCIM application:
// list what waits for whom, refuse the wrong approver at once, and grant on approval.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import type { ApprovalRequest } from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import { buildConfig } from '../support/config';
import { employee, hrEvent } from '../support/people';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';

const TOKEN = 'approvals-api-token';
const API_TOKEN = 'test-api-token';
const MANAGER = 'M0100';
let scim: ScimServer;
let service: RunningService;
let crm: ScimConnector;

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['crm-users', 'crm-admins']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [{ id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'TOKEN' } }],
    entitlements: {
      crm: { 'crm-admins': { risk: 'high', approval: { chain: ['manager'], stepTimeout: '1h' } } },
    },
    roles: [
      {
        id: 'ops',
        when: { title: ['Sales Operations Manager'] },
        grants: { crm: ['crm-users', 'crm-admins'] },
      },
    ],
  });
  crm = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  service = await startService({
    loaded,
    temporal: { address: temporalAddress(), namespace: 'default', taskQueue: `approvals-api-${Date.now()}` },
    logger: createLogger('approvals-api-test').child({}, { level: 'warn' }),
    httpPort: 0,
    workflowBundle: await workflowBundle(),
  });
});

after(async () => {
  await service?.stop();
  await scim?.stop();
});

function api(path: string, init: RequestInit = {}, token = API_TOKEN): Promise<Response> {
  return fetch(`${service.apiUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
}

async function listFor(approver?: string): Promise<ApprovalRequest[]> {
  const response = await api(`/v1/approvals${approver ? `?approver=${approver}` : ''}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { approvals: ApprovalRequest[] }).approvals;
}

void test('an approver lists what waits for them, a wrong approver is refused at once, and approval grants the access', async () => {
  const person = employee({ department: 'Sales', title: 'Sales Operations Manager', managerId: MANAGER });
  const body = JSON.stringify(hrEvent('hire', person));
  const hire = await fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, 'test-hr-secret') },
    body,
  });
  assert.equal(hire.status, 202);

  const mine = await eventually('the request to be listed for the manager', async () => {
    const list = await listFor(MANAGER);
    return list.find((r) => r.employeeId === person.id);
  });
  assert.equal(mine.entitlement, 'crm-admins');
  assert.equal(
    (await listFor('X9999')).some((r) => r.employeeId === person.id),
    false,
  );

  const decide = (approver: string, extra: Record<string, unknown> = {}) =>
    api(`/v1/approvals/${mine.requestId}`, {
      method: 'POST',
      body: JSON.stringify({ approve: true, approver, ...extra }),
    });
  const wrong = await decide('X9999');
  assert.equal(wrong.status, 409);
  assert.match(((await wrong.json()) as { message: string }).message, /X9999 may not decide/);
  const invalid = await api(`/v1/approvals/${mine.requestId}`, {
    method: 'POST',
    body: JSON.stringify({ approve: 'yes' }),
  });
  assert.equal(invalid.status, 400);
  const unknown = await api('/v1/approvals/apr-1-NOBODY', {
    method: 'POST',
    body: JSON.stringify({ approve: true, approver: MANAGER }),
  });
  assert.equal(unknown.status, 404);

  const approved = await decide(MANAGER, { reason: 'quarter close' });
  assert.equal(approved.status, 200);
  assert.equal(((await approved.json()) as ApprovalRequest).status, 'approved');
  await eventually('the privileged grant in the application', async () =>
    (await crm.readState({ employeeId: person.id, userName: person.userName })).entitlements.includes(
      'crm-admins',
    ),
  );
  await eventually(
    'the request to leave the list',
    async () => !(await listFor()).some((r) => r.employeeId === person.id),
  );
});

/** Runs the real CLI. Asynchronously: the API it talks to is served by this same process. */
function jml(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const cli = join(__dirname, '..', '..', 'cli', 'main.ts');
  const env = { ...process.env, JML_URL: service.apiUrl, JML_API_TOKEN: API_TOKEN };
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', cli, ...args], { env }, (error, out, err) => {
      done({ code: error ? Number(error.code ?? 1) : 0, out, err });
    });
  });
}

async function hireSalesOps(): Promise<{ person: ReturnType<typeof employee>; request: ApprovalRequest }> {
  const person = employee({ department: 'Sales', title: 'Sales Operations Manager', managerId: MANAGER });
  const body = JSON.stringify(hrEvent('hire', person));
  await fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, 'test-hr-secret') },
    body,
  });
  const request = await eventually('the request to be listed', async () =>
    (await listFor(MANAGER)).find((r) => r.employeeId === person.id),
  );
  return { person, request };
}

void test('jml approvals lists the request and jml deny decides it; a wrong approver is refused', async () => {
  const { person, request } = await hireSalesOps();
  const listed = await jml('approvals', '--approver', MANAGER);
  assert.equal(listed.code, 0, listed.err);
  assert.match(
    listed.out,
    new RegExp(`${request.requestId} .*crm: crm-admins \\(high\\) .*waits for manager: ${MANAGER}`),
  );

  const refused = await jml('approve', request.requestId, '--as', 'X9999');
  assert.equal(refused.code, 1);
  assert.match(refused.err, /refused \(409\): X9999 may not decide/);

  const denied = await jml('deny', request.requestId, '--as', MANAGER, '--reason', 'no admin for interns');
  assert.equal(denied.code, 0, denied.err);
  assert.equal(denied.out.trim(), `${request.requestId}: denied by ${MANAGER}`);
  const state = await eventually('the joiner to finish', async () => {
    const s = await crm.readState({ employeeId: person.id, userName: person.userName });
    return s.entitlements.includes('crm-users') && s;
  });
  assert.deepEqual(state.entitlements, ['crm-users']);
});

void test('approvals need the API token', async () => {
  assert.equal((await api('/v1/approvals', {}, 'wrong')).status, 401);
  const post = await api('/v1/approvals/apr-1-E1', { method: 'POST', body: '{}' }, 'wrong');
  assert.equal(post.status, 401);
});
