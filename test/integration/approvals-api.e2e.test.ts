// Approvals and manual tasks through the HTTP API and the CLI, against the real service, Temporal
// server and SCIM application: list what waits for whom, refuse the wrong person at once, act on a
// decision, and hold personal tokens to their holder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { signPayload } from '../../api/signature';
import { createLogger } from '../../common/logger';
import { issuePersonalToken } from '../../api/personal-token';
import type { ApprovalRequest, IdentityStatus, ManualTask } from '../../domain/lifecycle';
import { createScimGroups, startScimServer, type ScimServer } from '../../scripts/lib/scim-server';
import { startService, type RunningService } from '../../workers/service';
import { ScimConnector } from '../../connectors/scim/scim-connector';
import type { ScimApplicationConfig } from '../../domain/config';
import { buildConfig } from '../support/config';
import { employee, hrEvent } from '../support/people';
import { temporalAddress, workflowBundle } from '../support/temporal';
import { eventually } from '../support/wait';
import { openTestEvidenceStore } from '../support/evidence';

const TOKEN = 'approvals-api-token';
const API_TOKEN = 'test-api-token';
const MANAGER = 'M0100';
const FULFILLER = 'F0100';
const PERSONAL_SECRET = 'test-personal-token-secret';
let scim: ScimServer;
let service: RunningService;
let crm: ScimConnector;

before(async () => {
  scim = await startScimServer({ token: TOKEN });
  await createScimGroups(scim, ['crm-users', 'crm-admins']);
  const loaded = buildConfig({
    secrets: { TOKEN },
    applications: [
      { id: 'crm', kind: 'scim', baseUrl: scim.baseUrl, token: { env: 'TOKEN' } },
      { id: 'badge', kind: 'manual', fulfillers: [FULFILLER] },
    ],
    entitlements: {
      crm: { 'crm-admins': { risk: 'high', approval: { chain: ['manager'], stepTimeout: '1h' } } },
    },
    roles: [
      {
        id: 'ops',
        when: { title: ['Sales Operations Manager'] },
        grants: { crm: ['crm-users', 'crm-admins'] },
      },
      { id: 'lyon-office', when: { location: ['Lyon'] }, grants: { badge: ['badge-lyon'] } },
    ],
  });
  crm = new ScimConnector(loaded.config.applications[0] as ScimApplicationConfig);
  service = await startService({
    evidence: await openTestEvidenceStore(),
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
  const unknown = await api('/v1/approvals/apr-0000abcd-1-NOBODY', {
    method: 'POST',
    body: JSON.stringify({ approve: true, approver: MANAGER }),
  });
  assert.equal(unknown.status, 404);
  // The person is known, the request number is not: not found either, never a refusal.
  const unknownNumber = await api(`/v1/approvals/${mine.requestId.replace(/-1-/, '-99-')}`, {
    method: 'POST',
    body: JSON.stringify({ approve: true, approver: MANAGER }),
  });
  assert.equal(unknownNumber.status, 404);
  assert.match(((await unknownNumber.json()) as { message: string }).message, /no approval request/);

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
  return jmlWith({}, ...args);
}

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

async function hire(person: ReturnType<typeof employee>): Promise<void> {
  const body = JSON.stringify(hrEvent('hire', person));
  const response = await fetch(`${service.apiUrl}/v1/hr/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-jml-signature': signPayload(body, 'test-hr-secret') },
    body,
  });
  assert.equal(response.status, 202);
}

async function hireSalesOps(): Promise<{ person: ReturnType<typeof employee>; request: ApprovalRequest }> {
  const person = employee({ department: 'Sales', title: 'Sales Operations Manager', managerId: MANAGER });
  await hire(person);
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
    // One row of the table: request, employee, application, entitlement, risk, step, approvers.
    new RegExp(`${request.requestId} +${person.id} +crm +crm-admins +high +manager +${MANAGER} `),
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
  const post = await api('/v1/approvals/apr-0000abcd-1-E1', { method: 'POST', body: '{}' }, 'wrong');
  assert.equal(post.status, 401);
});

void test('a personal token lists and decides only as its holder, and the decision records it', async () => {
  const { person, request } = await hireSalesOps();
  const token = issuePersonalToken(MANAGER, PERSONAL_SECRET, 3_600_000);
  const mine = await api('/v1/approvals', {}, token);
  assert.equal(mine.status, 200);
  const listed = ((await mine.json()) as { approvals: ApprovalRequest[] }).approvals;
  assert.ok(listed.some((r) => r.requestId === request.requestId));
  assert.ok(
    listed.every((r) => r.approvers.includes(MANAGER)),
    'only what waits for the holder',
  );

  assert.equal((await api('/v1/approvals?approver=X9999', {}, token)).status, 403);
  assert.equal((await api(`/v1/identities/${person.id}`, {}, token)).status, 403);
  const asSomeoneElse = await api(
    `/v1/approvals/${request.requestId}`,
    { method: 'POST', body: JSON.stringify({ approve: true, approver: 'X9999' }) },
    token,
  );
  assert.equal(asSomeoneElse.status, 403);
  assert.match(
    ((await asSomeoneElse.json()) as { message: string }).message,
    /M0100's; it cannot act as X9999/,
  );
  const expired = issuePersonalToken(MANAGER, PERSONAL_SECRET, 1000, Date.now() - 10_000);
  assert.equal((await api('/v1/approvals', {}, expired)).status, 401);
  const forged = issuePersonalToken(MANAGER, 'another-secret', 3_600_000);
  assert.equal((await api('/v1/approvals', {}, forged)).status, 401);

  const approved = await jmlWith({ JML_PERSONAL_TOKEN: token }, 'approve', request.requestId);
  assert.equal(approved.code, 0, approved.err);
  assert.equal(approved.out.trim(), `${request.requestId}: approved by ${MANAGER}`);
  const status = await eventually('the decision in the status', async () => {
    const s = (await (await api(`/v1/identities/${person.id}`)).json()) as IdentityStatus;
    return s.approvals[0]?.status === 'approved' && s;
  });
  assert.equal(status.approvals[0]?.decidedVia, 'personal token');
});

void test('jml tasks lists a manual task, a wrong person is refused at once, and jml done attests it', async () => {
  const person = employee({ location: 'Lyon' });
  await hire(person);
  const task = await eventually('the task to be listed', async () => {
    const response = await api(`/v1/tasks?assignee=${FULFILLER}`);
    return ((await response.json()) as { tasks: ManualTask[] }).tasks.find((t) => t.employeeId === person.id);
  });
  const listed = await jml('tasks', '--assignee', FULFILLER);
  assert.equal(listed.code, 0, listed.err);
  assert.match(
    listed.out,
    new RegExp(
      `${task.taskId} +${person.id} +badge +${FULFILLER} .*create the account if missing and grant badge-lyon`,
    ),
  );

  const wrong = await api(`/v1/tasks/${task.taskId}`, {
    method: 'POST',
    body: JSON.stringify({ by: 'X9999' }),
  });
  assert.equal(wrong.status, 409);
  assert.match(((await wrong.json()) as { message: string }).message, /X9999 may not attest/);
  const invalid = await api(`/v1/tasks/${task.taskId}`, { method: 'POST', body: JSON.stringify({ by: '' }) });
  assert.equal(invalid.status, 400);
  assert.equal((await api('/v1/tasks', {}, 'wrong')).status, 401);

  const done = await jml('done', task.taskId, '--as', FULFILLER, '--note', 'badge 17');
  assert.equal(done.code, 0, done.err);
  assert.equal(done.out.trim(), `${task.taskId}: done by ${FULFILLER}`);
  const status = await eventually('the joiner to finish', async () => {
    const s = (await (await api(`/v1/identities/${person.id}`)).json()) as IdentityStatus;
    return s.stage === 'active' && s;
  });
  const badge = status.lastJoiner?.applications.find((a) => a.appId === 'badge');
  assert.deepEqual(badge?.attestation && [badge.attestation.by, badge.attestation.note], [
    FULFILLER,
    'badge 17',
  ]);
  assert.equal(status.tasks[0]?.completedVia, 'API token');
});
